"""Factories for governance. Assignments made here bypass the service (fixtures only)."""

import factory
from factory.django import DjangoModelFactory

from tests.factories import UserFactory

DEFAULT_DOMAINS = [
    ("identity", "Identity (IAM)", 10),
    ("runtime_policy", "Runtime policy (platform security)", 20),
    ("consumption", "Consumption oversight (finance)", 30),
    ("engineering", "Service behaviour & release lifecycle (engineering)", 40),
    ("exceptions", "Policy exceptions & emergency access", 50),
]


class ControlDomainFactory(DjangoModelFactory):
    class Meta:
        model = "governance.ControlDomain"
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"domain-{n}")
    name = factory.LazyAttribute(lambda d: d.key.replace("_", " ").title())
    position = 100


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = "governance.Assignment"

    domain = factory.SubFactory(ControlDomainFactory)
    scope_kind = "global"
    role = "A"
    assignee_user = factory.SubFactory(UserFactory)


def default_domains() -> dict:
    """The seeded domains (recreated after a transactional test's flush)."""
    return {
        key: ControlDomainFactory(key=key, name=name, position=position)
        for key, name, position in DEFAULT_DOMAINS
    }
