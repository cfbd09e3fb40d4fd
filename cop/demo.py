"""Demo data (being written)."""


def load() -> str:
    raise NotImplementedError
