"""Transactional e-mail: templates, senders (SES in AWS, console locally) and the outbox drain."""
