"""Users' own provider keys (spec §14.3): stored encrypted, shown as last4, validated against the provider."""
