"""sesshu — the rules of Japan's municipal vaccination administration (予防接種事務).

Every refusal raises a :class:`SesshuError` subclass whose ``.code`` is the
stable machine code (the codes of the shared scenarios). Dates are
``datetime.date``; instants are timezone-aware ``datetime``.
"""

from ._sesshu import *  # noqa: F401,F403
from ._sesshu import __version__  # noqa: F401
