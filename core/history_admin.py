"""Admin base for history-tracked models: history is evidence, viewable but never rewritten."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's per-version form saves a whole ModelForm on POST, around the services
    (no checks, reasons or permission sync): it is read-only here."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History is read-only: change records through Steward.")
        return super().history_form_view(request, object_id, version_id, extra_context)
