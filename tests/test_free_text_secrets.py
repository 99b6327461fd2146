"""Free text that is stored (reasons, notes, comments) never carries a secret value: each
service refuses it before touching anything, whichever page or API called it."""

import pytest
from django.core.exceptions import ValidationError

from approvals.grants import grant_revoke
from governance.services import assignment_remove
from lifecycle.reviews.services import item_decide, item_reassign, items_bulk_keep
from usage.services import signal_add_note, signal_transition

LEAK = "found ghp_abcdefghijklmnopqrstuvwxyz0123456789 in the build log"

CALLS = [
    ("reason", lambda a: grant_revoke(actor=a, grant=None, reason=LEAK)),
    ("reason", lambda a: assignment_remove(actor=a, assignment=None, reason=LEAK)),
    ("comment", lambda a: item_decide(actor=a, item_id=0, decision="keep", comment=LEAK)),
    ("comment", lambda a: items_bulk_keep(actor=a, item_ids=[0], comment=LEAK)),
    ("reason", lambda a: item_reassign(actor=a, item_id=0, reviewer=a, reason=LEAK)),
    ("body", lambda a: signal_add_note(actor=a, signal_id=0, body=LEAK)),
    ("reason", lambda a: signal_transition(actor=a, signal_id=0, status="dismissed", reason=LEAK)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "call"), CALLS)
def test_free_text_with_a_secret_is_refused_naming_the_field(admin_user, field, call):
    with pytest.raises(ValidationError) as exc:
        call(admin_user)
    assert field in exc.value.message_dict
    assert "GitHub token" in exc.value.message_dict[field][0]
