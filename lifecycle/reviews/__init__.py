"""Access reviews: recurring campaigns in which each identity's effective owner attests its
owner, purpose, entitlements and credentials — keep, change, let it end or decommission."""
