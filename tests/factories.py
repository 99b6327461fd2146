"""factory-boy factories for the whole suite. Apps' factories live here too, by section."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

PASSWORD = "correct-horse-battery"


# The service account most scenarios register (add team, platform and what the test varies).
LEDGER_WRITER = {
    "name": "ledger-writer",
    "kind": "service_account",
    "external_id": "payments/ledger-writer",
    "environment": "production",
    "purpose": "Writes ledger entries.",
}


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests flush the groups the data migration made.
            self.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in extracted))
        if create:
            self.save()


# --- identities -------------------------------------------------------------------------
class TeamFactory(DjangoModelFactory):
    class Meta:
        model = "identities.Team"
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    group = factory.LazyAttribute(lambda t: Group.objects.get_or_create(name=f"team:{t.slug}")[0])

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.group.user_set.add(*extracted)


class PlatformFactory(DjangoModelFactory):
    class Meta:
        model = "identities.Platform"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Platform {n}")
    slug = factory.Sequence(lambda n: f"platform-{n}")
    kind = "kubernetes"
    owning_team = factory.SubFactory(TeamFactory)


class IdentityFactory(DjangoModelFactory):
    class Meta:
        model = "identities.Identity"

    name = factory.Sequence(lambda n: f"svc-{n}")
    kind = "service_account"
    external_id = factory.Sequence(lambda n: f"payments/svc-{n}")
    platform = factory.SubFactory(PlatformFactory)
    team = factory.SubFactory(TeamFactory)
    environment = "production"
    purpose = "Moves ledger entries between services."
    risk_tier = "medium"
    entitlements = factory.LazyFunction(lambda: ["ledger:read"])
    status = "active"


class CredentialFactory(DjangoModelFactory):
    class Meta:
        model = "identities.Credential"

    identity = factory.SubFactory(IdentityFactory)
    kind = "api_key"
    label = factory.Sequence(lambda n: f"key {n}")
    storage_location = "vault:secret/data/payments/key"
    fingerprint = factory.Sequence(lambda n: f"SHA256:{n:043d}")
    last_chars = "a1b2"
