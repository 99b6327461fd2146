"""What a sweep did, for logs, the command and tests."""

from dataclasses import dataclass, field


@dataclass
class SweepResult:
    name: str
    handled: int = 0
    notifications: int = 0
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        extra = "".join(f", {k}={v}" for k, v in self.details.items())
        return f"{self.name}: handled={self.handled}, notifications={self.notifications}{extra}"
