"""The gateway's ``$default`` route: every unmatched path gets 404 in the error envelope (spec §1.1)."""

from describe_it.http.app import create_app, make_handler

app = create_app()
lambda_handler = make_handler(app)
