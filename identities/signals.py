"""Plumbing signals for derived data in higher apps (never business rules).

`identity_scope_changed` is sent inside the writing transaction when an identity is created
or moves team or platform, so governance can re-materialise its object permissions from the
RACI matrix in the same transaction.

`credential_recorded` is sent inside the recording transaction when a credential is
recorded, so approvals links it to the grant it was issued under (evidence: which secret
under which approval) without identities knowing about grants.
"""

from django.dispatch import Signal

# kwargs: identity, or identity_ids of a bulk registration (new rows, holding nothing yet)
identity_scope_changed = Signal()
credential_recorded = Signal()  # kwargs: credential
