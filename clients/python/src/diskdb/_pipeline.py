"""The I/O-free half of pipelines and transactions, shared by the blocking and asyncio clients:
packing queued commands into one buffer, working out the read timeout, and turning the replies
(MULTI/EXEC-wrapped or not) into converted results.
"""

from typing import Any, Callable, List, NamedTuple, Optional, Sequence, Tuple

from . import replies as R
from .exceptions import CommandError, ProtocolError, WatchError
from .resp import decode_reply, encode_commands


class Queued(NamedTuple):
    """One command waiting in a pipeline: its arguments, reply converter and blocking time."""

    args: Sequence[Any]
    convert: Optional[Callable[[Any], Any]]
    block: Optional[float]


def needs_bytes(commands: Sequence[Queued]) -> bool:
    """True if a queued command's reply must be read undecoded (DUMP): the batch is then read
    as bytes, and ``results`` decodes the other replies."""
    return any(c.convert is R.raw_bytes for c in commands)


def read_timeout(base: Optional[float], blocks: Sequence[Optional[float]]) -> Optional[float]:
    """How long to wait for replies: the socket timeout, plus the time each blocking command
    may legitimately keep the server silent; none at all if one may block forever (0)."""
    if base is None:
        return None
    extra = 0.0
    for block in blocks:
        if block is not None:
            if block <= 0:
                return None
            extra += block
    return base + extra


def pack(commands: Sequence[Queued], transaction: bool, encoding: str) -> Tuple[bytes, int]:
    """Encode every queued command (inside MULTI/EXEC if ``transaction``) into one buffer;
    returns it with the number of replies to read back."""
    seqs: List[Sequence[Any]] = [c.args for c in commands]
    if transaction:
        seqs = [("MULTI",), *seqs, ("EXEC",)]
    return encode_commands(seqs, encoding), len(seqs)


def _tag(error: CommandError, index: int, command: Queued) -> CommandError:
    error.index = index
    error.command = command.args
    return error


def _unwrap_exec(commands: Sequence[Queued], replies: List[Any]) -> List[Any]:
    multi, queued, exec_reply = replies[0], replies[1:-1], replies[-1]
    if isinstance(multi, CommandError):
        raise multi
    # A command rejected while queueing (bad arity, unknown name) makes EXEC abort with a
    # generic EXECABORT; the queueing error says what was actually wrong.
    for index, reply in enumerate(queued):
        if isinstance(reply, CommandError):
            raise _tag(reply, index, commands[index])
    if isinstance(exec_reply, CommandError):
        raise exec_reply
    if exec_reply is None:
        raise WatchError("a watched key changed before EXEC; the transaction was discarded")
    if len(exec_reply) != len(commands):
        raise ProtocolError(
            "EXEC returned %d replies for %d commands" % (len(exec_reply), len(commands))
        )
    return exec_reply


def results(
    commands: Sequence[Queued],
    replies: List[Any],
    transaction: bool,
    raise_on_error: bool,
    decode: Optional[Tuple[str, str]] = None,
) -> List[Any]:
    """Apply each command's converter to its reply. Error replies stay in place as exception
    values; with ``raise_on_error`` the first is raised after all replies were read, so the
    connection stays in step with the server.

    ``decode`` (encoding, errors) says the replies were read as bytes (see ``needs_bytes``) and
    must be decoded, except those of commands that want bytes."""
    if transaction:
        replies = _unwrap_exec(commands, replies)
    out: List[Any] = []
    first_error: Optional[CommandError] = None
    for index, (command, reply) in enumerate(zip(commands, replies)):
        if decode is not None and command.convert is not R.raw_bytes:
            reply = decode_reply(reply, *decode)
        if isinstance(reply, CommandError):
            _tag(reply, index, command)
            if first_error is None:
                first_error = reply
            out.append(reply)
        elif command.convert is not None:
            out.append(command.convert(reply))
        else:
            out.append(reply)
    if first_error is not None and raise_on_error:
        raise first_error
    return out
