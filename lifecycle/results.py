"""What a sweep did, for logs, the command and tests."""

from dataclasses import dataclass, field


@dataclass
class SweepResult:
    name: str
    handled: int = 0
    notifications: int = 0
    details: dict = field(default_factory=dict)
    failed: int = 0  # rows it could not handle (recorded as SweepFailure, retried next run)
    error: str = ""  # set when the sweep as a whole failed

    @property
    def ok(self) -> bool:
        return not (self.failed or self.error)

    def __str__(self) -> str:
        if self.error:
            return f"{self.name}: FAILED: {self.error}"
        extra = "".join(f", {k}={v}" for k, v in self.details.items())
        failed = f", FAILED rows={self.failed}" if self.failed else ""
        return (
            f"{self.name}: handled={self.handled}, notifications={self.notifications}"
            f"{extra}{failed}"
        )
