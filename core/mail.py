"""Development e-mail: one line per message on the console instead of the whole body.

The in-app inbox carries the full text; a developer running `make run` only needs to see
that a message left and to whom.
"""

from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class OneLineConsoleBackend(ConsoleBackend):
    def write_message(self, message):
        recipients = ", ".join(message.recipients())
        subject = " ".join(str(message.subject).split())
        self.stream.write(f"[mail] to {recipients}: {subject}\n")
