"""The bilingual description workflow (Step Functions Express): the contract of its task function."""
