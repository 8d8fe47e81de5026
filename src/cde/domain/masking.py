"""Masking personal data for logs and the audit trail: NIKs and names."""

from __future__ import annotations

import re

__all__ = ["mask_name", "mask_nik", "mask_text"]

_NIK_LIKE = re.compile(r"(?<!\d)(\d{4})(\d{6,10})(\d{4})(?!\d)")


def mask_nik(nik: str) -> str:
    """``5171011004840001`` → ``5171********0001`` (first and last four digits kept)."""
    digits = nik.strip()
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_name(name: str) -> str:
    """``Samehada Kisame`` → ``S******a K****e``: first and last letter of each word."""
    words = []
    for word in name.split():
        if len(word) <= 2:
            words.append(word[0] + "*" * (len(word) - 1))
        else:
            words.append(word[0] + "*" * (len(word) - 2) + word[-1])
    return " ".join(words)


def mask_text(text: str) -> str:
    """Mask every NIK-like run of 14-18 digits in free text (log lines)."""
    return _NIK_LIKE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
