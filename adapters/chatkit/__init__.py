"""What every chat channel's listeners share and no channel owns: work after the ack, the apology.

It imports no channel (an import contract says so), so Slack and Teams may both use it.
"""

from adapters.chatkit.background import Background, OnError, apologising
from adapters.chatkit.wording import APOLOGY

__all__ = ["APOLOGY", "Background", "OnError", "apologising"]
