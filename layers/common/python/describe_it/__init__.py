"""Describe It: the shared layer of every Lambda function (settings, HTTP plumbing, data access, domain)."""
