import pytest

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_user_signs_in_and_lands_on_dashboard(page, screenshot, admin_user):
    sign_in(page, admin_user.username, PASSWORD)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.locator(".role").inner_text() == "Admin"
    page.get_by_text("Worker and beat alive").or_(page.get_by_text("No heartbeat yet")).wait_for()
    assert screenshot("sign-in-dashboard").exists()


def test_wrong_password_shows_error_and_stays_signed_out(page, admin_user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    page.goto("/")
    assert "/accounts/login/" in page.url
