"""Parse the POST forms out of a rendered page, for tests that submit every form."""

from html.parser import HTMLParser


class PostForms(HTMLParser):
    """The POST forms of a page (htmx `hx-post` ones too): each form's action, the data it
    would submit as rendered, and the names of its free-text inputs and textareas."""

    def __init__(self, *, default_date: str):
        super().__init__()
        self.default_date = default_date
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("hx-post") or (a.get("action") if a.get("method") == "post" else None)
            if a.get("method") == "post" or a.get("hx-post"):
                self._form = {"action": action or "", "data": {}, "text": []}
                self.forms.append(self._form)
            return
        if self._form is None or "name" not in a or "disabled" in a:
            return
        name, kind = a["name"], a.get("type", "text")
        if tag == "input" and kind in ("text", "search", "email", "url", "hidden", "number"):
            self._form["data"][name] = a.get("value", "")
            if kind in ("text", "search", "email", "url") and "readonly" not in a:
                self._form["text"].append(name)
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" in a:
            self._form["data"].setdefault(name, a.get("value", "on"))
        elif tag == "input" and kind in ("date", "datetime-local"):
            self._form["data"][name] = a.get("value", "") or self.default_date
        elif tag == "textarea":
            self._textarea = name
            self._form["data"][name] = ""
            self._form["text"].append(name)
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a or (value and not self._form["data"].get(self._select)):
                self._form["data"][self._select] = value

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["data"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
