"""Email to residents and staff: settings, addresses, messages, SMTP and the "email" job.

Nothing here is sent inside a request. ``formbuilder.notifiers.email`` decides who is told what
and enqueues one job per (event, recipient); the job (``formbuilder.mail.jobs``) renders the
message from the database when it runs and hands it to the SMTP server. Delivery is at least
once, so every message carries a Message-ID fixed by its event and recipient: a resend after
a worker died between the server's acceptance and the record is recognisably the same message.
"""
