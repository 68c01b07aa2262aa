"""The Slack app: Bolt listeners (`app`), Block Kit rendering (`render`), HTTP and Socket Mode
entry points (`web`)."""
