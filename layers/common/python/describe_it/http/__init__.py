"""HTTP plumbing shared by every function: app factory, envelopes, guards, errors, pagination."""
