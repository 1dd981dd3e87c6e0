"""A word index over the catalog: which products each typed word finds, as bit sets, so a new
search reads sets instead of every product's text."""

from __future__ import annotations

import bisect
import itertools
from collections import OrderedDict
from collections.abc import Iterable

WORD_CACHE_SIZE = 4096
FEW = (
    64  # candidates few enough to check a word on each; tokens enough to read every product instead
)


class WordIndex:
    """Which products contain a word, as a bit set (bit n: the n-th product), without reading them
    all.

    A word typed has no white space, so it is part of a product's text exactly when it is part of
    one of the text's white-space separated tokens. The distinct tokens are kept in one string;
    finding the word there names the tokens that contain it, and each token knows its products. A
    word found in very many tokens (a digit) is checked on every product instead; either way the
    answer is kept.
    """

    def __init__(self, texts: list[str]) -> None:
        self._texts = texts
        self.everything = (1 << len(texts)) - 1
        by_token = masks_of(
            (token, n) for n, text in enumerate(texts) for token in set(text.split())
        )
        self._tokens = list(by_token)
        self._token_masks = [by_token[t] for t in self._tokens]
        self._starts: list[int] = []
        offset = 0
        for token in self._tokens:
            self._starts.append(offset)
            offset += len(token) + 1
        self._blob = "\n".join(self._tokens)
        self._words: OrderedDict[str, int] = OrderedDict()

    def matching(self, words: list[str]) -> int:
        """Products containing every word. Longer words first: they narrow most, and once few
        products are left the rest of the words are checked on those alone."""
        mask = self.everything
        for word in sorted(set(words), key=len, reverse=True):
            if mask.bit_count() <= FEW:
                return mask_of(
                    n for n in positions(mask) if all(w in self._texts[n] for w in words)
                )
            mask &= self._word(word)
        return mask

    def _word(self, word: str) -> int:
        found = self._words.get(word)
        if found is None:
            found = self._look_up(word)
            self._words[word] = found
            if len(self._words) > WORD_CACHE_SIZE:
                self._words.popitem(last=False)
        else:
            self._words.move_to_end(word)
        return found

    def _look_up(self, word: str) -> int:
        mask, tokens, at = 0, 0, self._blob.find(word)
        while at >= 0:
            tokens += 1
            if tokens > FEW:
                return mask_of(n for n, text in enumerate(self._texts) if word in text)
            token = bisect.bisect_right(self._starts, at) - 1
            mask |= self._token_masks[token]
            following = (
                self._starts[token + 1] if token + 1 < len(self._starts) else len(self._blob)
            )
            at = self._blob.find(word, following)
        return mask


def mask_of(positions: Iterable[int]) -> int:
    mask = 0
    for n in positions:
        mask |= 1 << n
    return mask


def masks_of(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    grouped: dict[str, list[int]] = {}
    for key, n in pairs:
        grouped.setdefault(key, []).append(n)
    return {key: _from_sorted(positions) for key, positions in grouped.items()}


def _from_sorted(positions: list[int]) -> int:
    # One big int from its bits, built as a bit string: an OR per position would copy the int each
    # time.
    if not positions:
        return 0
    bits = bytearray(b"0" * (positions[-1] + 1))
    for n in positions:
        bits[n] = ord("1")
    return int(bits[::-1].decode(), 2)


_BITS = bytes.maketrans(b"01", b"\x00\x01")


def positions(mask: int) -> list[int]:
    """The set bits of `mask`, lowest first (catalog order)."""
    bits = format(mask, "b").encode()[::-1].translate(_BITS)
    return list(itertools.compress(range(len(bits)), bits))
