"""Shared by the persona journeys (tests/e2e/test_journey_*.py): the two screens every step
is seen at, screenshots named <persona>-<step>-<width>.png, and the phone's rule that nothing
scrolls sideways. Assertions go by text, roles and labels — never CSS classes or DOM shape —
so a restyle of the templates keeps them meaningful."""

import pytest

from tests.e2e.conftest import SCREENSHOTS, sign_in
from tests.factories import PASSWORD

VIEWPORTS = {"laptop": (1440, 900), "phone": (375, 812)}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, page):
    """The page at one of the two sizes; `screen.width` names the screenshots."""
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return Screen(page, width)


class Screen:
    def __init__(self, page, width: int):
        self.page, self.width = page, width
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    @property
    def phone(self) -> bool:
        return self.width < 600

    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        sign_in(self.page, username, PASSWORD)

    def shot(self, persona: str, step: str) -> None:
        """Once the page has settled (htmx panels loaded): no sideways scroll on the phone,
        then the screenshot."""
        self.page.wait_for_load_state("networkidle")
        if self.phone:
            overflow = self.page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, f"{persona}/{step}: {overflow}px sideways at {self.width}px"
        path = SCREENSHOTS / f"{persona}-{step}-{self.width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        # a full-page capture resizes the viewport and back; on the phone Chromium's hit
        # testing can then lag the layout (a click lands beside its button): settle it
        self.page.set_viewport_size(self.page.viewport_size)
        self.page.evaluate("window.scrollTo(0, 0)")

    def text(self, selector: str = "main") -> str:
        locator = self.page.locator(selector)
        return (locator if locator.count() else self.page.locator("body")).first.inner_text()
