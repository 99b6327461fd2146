"""Key shapes per provider (true positives) and the public names platforms generate (false
positives) — shared by the guard's unit tests and the database-wide secrets test.

Every key below is fake, built from pieces so that no scanner mistakes this file for a leak."""

import base64

AWS_KEY_ID = "AKIA" + "Q3EGRTXW5NHZ7KPL"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzq8Lw2Vd4T"
GITHUB_CLASSIC = "ghp_" + "R7tK2mQ9xWv4Lp8Zn3Yb6Hc1Jd5Fs0Ga2Ek7"
GITHUB_FINE_GRAINED = (
    "github_pat_" + "11ABQ2XYZ0" + "aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5"
    "aB6cD7eF8gH9iJ0kL1mN2oP3qR4sT5uV6wX7yZ"
)
GITHUB_APP = "ghs_" + "Vq8Nw3Rt6Yp1Ks4Lm7Zx2Cb5Hj9Df0Ga3Ek6"
GITHUB_OAUTH = "gho_" + "Pz4Lk9Wq2Xt7Nm5Rb8Yc1Hs6Jd3Fv0Ga4Ek9"
SLACK_BOT = "xoxb-" + "2318749021-5512983341207-Vq8Nw3Rt6Yp1Ks4Lm7Zx2Cb5"
SLACK_USER = "xoxp-" + "2318749021-5512983341207-5512983341299-9f2c1ab7d4e8"
SLACK_WEBHOOK = "https://hooks.slack.com/services/" + "T02AB3CD4/B05EF6GH7/Vq8Nw3Rt6Yp1Ks4Lm7Zx2Cb5"
OPENAI = "sk-proj-" + "Vq8Nw3Rt6Yp1Ks4Lm7Zx2Cb5Hj9Df0Ga3Ek6Tu8Wi2Oy4"
OPENAI_LEGACY = "sk-" + "Vq8Nw3Rt6Yp1Ks4Lm7Zx2T3BlbkFJCb5Hj9Df0Ga3Ek6Tu8Wi"
ANTHROPIC = "sk-ant-api03-" + "Vq8Nw3Rt6Yp1Ks4Lm7Zx2Cb5Hj9Df0Ga3Ek6Tu8Wi2Oy4"
STRIPE = "sk_live_" + "51Hq8Nw3Rt6Yp1Ks4Lm7Zx2Cb5Hj9Df0"
STRIPE_RESTRICTED = "rk_test_" + "51Hq8Nw3Rt6Yp1Ks4Lm7Zx2Cb5"
GOOGLE = "AIza" + "SyD8Nw3Rt6Yp1Ks4Lm7Zx2Cb5Hj9Df0Ga3E"
JWT = (
    "eyJhbGciOiJIUzI1NiJ9."
    "eyJzdWIiOiJjaS1ydW5uZXIiLCJpYXQiOjE3MDAwMDAwMDB9."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7x\n-----END RSA PRIVATE KEY-----"
PEM_OPENSSH = "-----BEGIN OPENSSH PRIVATE KEY-----"
DB_PASSWORD = "S3cr3t-Pa55w0rd"
GENERIC_RANDOM = "Zx9Qm2Lr8Tv4Wy6Kp3Hs7Jd5Nf1Bg0Ca"

# Raw provider keys: each must never reach the database, in any field or encoding.
KEYS = {
    "aws secret access key": AWS_SECRET,
    "github classic token": GITHUB_CLASSIC,
    "github fine-grained token": GITHUB_FINE_GRAINED,
    "github app token": GITHUB_APP,
    "github oauth token": GITHUB_OAUTH,
    "slack bot token": SLACK_BOT,
    "slack user token": SLACK_USER,
    "slack webhook": SLACK_WEBHOOK,
    "openai project key": OPENAI,
    "openai legacy key": OPENAI_LEGACY,
    "anthropic key": ANTHROPIC,
    "stripe secret key": STRIPE,
    "stripe restricted key": STRIPE_RESTRICTED,
    "google api key": GOOGLE,
    "jwt": JWT,
    "generic random secret": GENERIC_RANDOM,
}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def spaced(text: str, n: int = 4) -> str:
    return " ".join(text[i : i + n] for i in range(0, len(text), n))


# (label, value as planted): the key itself and the ways people slip it past a guard.
TRUE_POSITIVES = [
    *KEYS.items(),
    ("aws access key id and secret", f"{AWS_KEY_ID} / {AWS_SECRET}"),
    ("aws access key id alone (free text)", f"rotate {AWS_KEY_ID} tonight"),
    ("aws secret after a path", f"Key: vault/{AWS_SECRET}"),
    ("aws secret lowercased", f"key {AWS_SECRET.lower()}"),
    ("aws secret space-separated", spaced(AWS_SECRET, 5)),
    ("github token space-separated", spaced(GITHUB_CLASSIC)),
    ("github token uppercased", GITHUB_CLASSIC.upper()),
    ("slack token uppercased prefix", SLACK_BOT.upper()),
    ("openai key lowercased", OPENAI.lower()),
    ("google key lowercased", GOOGLE.lower()),
    ("pem private key", PEM),
    ("openssh private key", PEM_OPENSSH),
    ("pem header lowercased", "-----begin private key-----"),
    ("encrypted pem header", "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
    ("password=", "password=hunter22"),
    ("password: ", "db password: Tr0ub4dor&3"),
    ("password is", f"the password is {DB_PASSWORD}"),
    ("api key is", "api key is 7f3k2m9x7q1w5e4r"),
    ("url userinfo", f"postgres://app:{DB_PASSWORD}@db.internal:5432/ledger"),
    ("url userinfo percent-encoded", "https://bot:S3cr%40t-99x@git.example.com/repo.git"),
    ("base64 github token", b64(GITHUB_CLASSIC)),
    ("base64 aws secret", b64(AWS_SECRET)),
    ("base64url openai key", b64url(OPENAI)),
    ("hex github token", GITHUB_CLASSIC.encode().hex()),
    ("hex aws secret", AWS_SECRET.encode().hex()),
    ("double base64 slack token", b64(b64(SLACK_BOT))),
    ("percent-encoded jwt", JWT.replace(".", "%2E")),
    ("zero-width split github token", GITHUB_CLASSIC[:10] + "\u200b" + GITHUB_CLASSIC[10:]),
    ("random base64 key", "zQ8+vL2pX7mN4kR9wT1yB6cF3hJ5dG0sA8eU2iO7lP4x"),
    ("random key in a sentence", f"uses {GENERIC_RANDOM} as its key"),
]

# Names, ids and slugs that platforms generate: none may be refused as free text.
FALSE_POSITIVES = [
    # prose about secrets is not a secret
    "Console password removed.",
    "Password removed.",
    "token expired.",
    "api key rotated",
    "checkout-api-worker-prod-5d8f7c9b6-x2kqz",
    "checkout-api-worker-prod-1130055952",
    "checkout-api-worker-prod-1130055211",
    "payments-ledger-writer-7b9c6d5f4-qz8xn",
    "ingest-cronjob-28391045-hk2lp",
    "arn:aws:iam::123456789012:role/billing-exporter-production-role",
    "arn:aws:iam::123456789012:role/service-role/AWSCodePipelineServiceRole-eu-west-1-Deploy",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:etl/key-AbCdEf",
    "arn:aws:lambda:eu-west-1:123456789012:function:InvoiceExporterFunction2024",
    "arn:aws:sts::123456789012:assumed-role/GitHubActionsDeployRole/GitHubActions",
    "acme-corp/payments-ledger-service",
    "AcmeCorp/PaymentsLedgerService2",
    "repo:acme-corp/payments-ledger:ref:refs/heads/main",
    "spiffe://prod.acme.io/ns/payments/sa/ledger-writer",
    "spiffe://cluster.local/ns/kube-system/sa/coredns",
    "6f1c3b2a-9d4e-4f8a-b7c6-2e5d9a1f0c3b",
    "urn:uuid:6f1c3b2a-9d4e-4f8a-b7c6-2e5d9a1f0c3b",
    "build-cache-7f9a2c4e1b3d5f60a8c2e4b6d8f0a2c4",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "ghcr.io/acme/ledger@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "commit 3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a",
    "2026-05-01T12:30:45.123456Z",
    "20260501T123045Z-nightly-export",
    "billing-exporter@acme-prod-381204.iam.gserviceaccount.com",
    "123456789012-abc123def456ghi789jkl012mno345pq.apps.googleusercontent.com",
    "projects/acme-prod-381204/serviceAccounts/billing-exporter@acme-prod-381204.iam",
    "/subscriptions/6f1c3b2a-9d4e-4f8a-b7c6-2e5d9a1f0c3b/resourceGroups/rg-payments-prod",
    "system:serviceaccount:payments:ledger-writer",
    "i-0abcd1234ef567890",
    "MyStack-LedgerBucket-1A2B3C4D5E6F7",
    "kv/payments/production/ledgerwriter/apikeys",
    "vault:secret/data/payments/ledger-writer/api",
    "https://api.example.com/v1/oauth/clients/12345",
    "https://ci.example.com/job/payments-ledger/1234/",
    "postgres://app@db.internal:5432/ledger",
    "postgres://app:${DB_PASSWORD}@db.internal:5432/ledger",
    "the password is stored in Vault and rotated monthly",
    "token: see vault",
    "Rotates the API key every 90 days; the secret lives in AWS Secrets Manager.",
    "Reads invoices and publishes daily aggregates for the payments team.",
    "MyServiceAccountForBilling2024",
    "svc_payments_ledger_writer_prod_eu_west_1",
    "KubernetesServiceAccountTokenVolumeProjection",
    "Release 2026.05.01-rc.3+build.20260501123045",
]
