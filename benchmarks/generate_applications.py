"""Generate varied, valid loan applications derived from ``examples/seed_request.json``.

Importable (``generate(n, seed)`` yields dicts) and runnable::

    python benchmarks/generate_applications.py N OUT.jsonl [--seed S]

Every application reads without error; together they cover every kolektibilitas (1-5),
0-3 collaterals of the codes LAND/MBL/MTR/DEPOSITO/EMAS and an unknown one, the Kocek
interest methods 1-3, the purposes Konsumtif/Modal Kerja/Investasi, tenors 6-60 months and
plafons of 1-200 million rupiah, so that decline, approve and approve-with-conditions all
occur. The same ``(n, seed)`` always gives the same applications; each ``loan_id`` is
unique within a run.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

__all__ = ["SEED_FILE", "generate", "main", "seed_application", "write_jsonl"]

SEED_FILE = Path(__file__).resolve().parent.parent / "examples" / "seed_request.json"

REFERENCE_DAY = date(2024, 10, 21)  # ages and dates are consistent on this day

_KOLEK = {1: "Lancar", 2: "Dalam Perhatian Khusus", 3: "Kurang Lancar", 4: "Diragukan", 5: "Macet"}
_METHOD_LABELS = {1: "Bunga Flat", 2: "Bunga Efektif", 3: "Bunga Anuitas"}
_PURPOSES = ("Konsumtif", "Modal Kerja", "Investasi")
_OCCUPATIONS = ("Pedagang", "Petani", "Karyawan Swasta", "Guru", "Nelayan", "Wiraswasta", "PNS")
_NAMES = ("fulan", "siti", "budi", "ayu", "wayan", "made", "rina", "agus", "dewi", "joko")
_PLACES = ("Denpasar", "Surabaya", "Bandung", "Medan", "Makassar", "Yogyakarta", "Padang")
_MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_COLLATERALS: dict[str, tuple[str, str, int, int]] = {
    # code: (name, type, low value, high value)
    "LAND": ("Sertifikat Tanah", "Sertifikat Tanah", 50_000_000, 2_000_000_000),
    "MBL": ("Avanza", "Mobil", 50_000_000, 300_000_000),
    "MTR": ("Beat", "Motor", 5_000_000, 30_000_000),
    "DEPOSITO": ("Deposito", "Deposito", 5_000_000, 200_000_000),
    "EMAS": ("Emas Batangan", "Emas", 5_000_000, 100_000_000),
    "XYZ": ("Barang lain", "Lainnya", 1_000_000, 50_000_000),  # a code no policy knows
}


def seed_application() -> dict[str, Any]:
    """The seed example as a fresh dict."""
    data: dict[str, Any] = orjson.loads(SEED_FILE.read_bytes())
    return data


def _range(rng: random.Random, low: int, high: int, step: int) -> str:
    start = rng.randrange(low, high, step)
    return f"{start}-{start + step * rng.randint(1, 4)}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _indonesian(day: date) -> str:
    return f"{day.day} {_MONTHS_ID[day.month - 1]} {day.year}"


def _collateral(rng: random.Random, code: str) -> dict[str, Any]:
    name, kind, low, high = _COLLATERALS[code]
    value = rng.randrange(low, high, 100_000)
    recognition = rng.choice((50.0, 60.0, 80.0, 100.0))
    item: dict[str, Any] = {
        "name": name,
        "type": kind,
        "code": code,
        "value": value,
        "estimated_price": f"{value}-{value * 2}",
        "recognition": recognition,
        "recognition_value": round(value * recognition / 100),
        "is_verified": rng.random() < 0.7,
        "information": f"{name} milik sendiri",
    }
    if code in ("LAND", "MBL", "MTR"):
        item["is_tax_paid"] = rng.random() < 0.8
    return item


def _one(rng: random.Random, base: dict[str, Any], index: int) -> dict[str, Any]:
    app: dict[str, Any] = orjson.loads(orjson.dumps(base))  # a deep copy
    app["customer_id"] = _uuid(rng)
    app["loan_id"] = f"{index:08d}-{_uuid(rng)[9:]}"  # unique: the index leads

    gender = rng.choice(("l", "p"))
    age = rng.randint(22, 58)
    birth = REFERENCE_DAY - timedelta(days=365 * age + rng.randint(30, 330))
    age = (
        REFERENCE_DAY.year
        - birth.year
        - ((REFERENCE_DAY.month, REFERENCE_DAY.day) < (birth.month, birth.day))
    )
    day_code = birth.day + (40 if gender == "p" else 0)
    nik = (
        f"{rng.randint(11, 94):02d}{rng.randint(1, 99):02d}{rng.randint(1, 40):02d}"
        f"{day_code:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(1, 9999):04d}"
    )
    member = REFERENCE_DAY - timedelta(days=rng.randint(60, 3650))
    app["character"] = {
        "name": rng.choice(_NAMES),
        "nik": nik,
        "kyc_status": rng.random() < 0.8,
        "age": age,
        "birth": f"{rng.choice(_PLACES)}, {_indonesian(birth)}",
        "gender": gender,
        "member_date": member.isoformat(),
        "occupation": rng.choice(_OCCUPATIONS),
    }

    app["income"] = [
        {"key": f"penghasilan_{i + 1}", "value": _range(rng, 1_000_000, 20_000_000, 500_000)}
        for i in range(rng.randint(1, 3))
    ]
    app["expenses"] = [
        {"key": f"pengeluaran_{i + 1}", "value": _range(rng, 100_000, 4_000_000, 100_000)}
        for i in range(rng.randint(1, 3))
    ]
    codes = list(_COLLATERALS)
    app["collaterals"] = [_collateral(rng, rng.choice(codes)) for _ in range(rng.randint(0, 3))]

    method = rng.randint(1, 3)
    app["application"] = {
        "plafon": float(rng.randrange(1_000_000, 200_000_001, 500_000)),
        "tenure": rng.randint(6, 60),
        "purpose": rng.choice(_PURPOSES),
        "interest": rng.choice((9, 10, 12, 14, 18, 21, 24)),
        "loan_interest_method": method,
        "loan_interest_method_label": _METHOD_LABELS[method],
    }

    kolek = rng.choices((1, 2, 3, 4, 5), weights=(70, 12, 6, 6, 6))[0]
    total_loan = rng.randint(0, 12)
    active = rng.randint(0, min(total_loan, 4))
    remaining = rng.randrange(1_000_000, 60_000_000, 100_000) if active else 0
    deposits = rng.randint(1, 20)
    withdrawals = rng.randint(1, 20)
    saving_balance = rng.randrange(0, 30_000_000, 50_000)
    deposit_balance = rng.randrange(0, 50_000_000, 1_000_000)
    app["internal_data"] = {
        "total_loan": str(total_loan),
        "total_loan_active": str(active),
        "loan_remaining": f"{remaining}.00",
        "collectability": _KOLEK[kolek],
        "behaviour_pattern_deposit_per_month": f"{deposits},{rng.randint(0, 9)}",
        "behaviour_pattern_withdrawal_per_month": f"{withdrawals},{rng.randint(0, 9)}",
        "behaviour_pattern_withdrawal_ratio": f"{rng.randint(10, 200)},{rng.randint(0, 99):02d}%",
        "behaviour_pattern_avg_balance": f"{saving_balance + 1_000_000}.00",
        "behaviour_pattern_avg_growth_balance": rng.choice((None, "2,5", "-1,5", "10")),
        "total_saving": str(rng.randint(1, 8)),
        "total_saving_active": "1",
        "total_balance_active": f"{saving_balance}.00",
        "total_deposit": "1",
        "total_deposit_balance": f"{deposit_balance}.00",
        "total_deposit_active": "1" if deposit_balance else "0",
        "total_deposit_active_balance": f"{deposit_balance}.00",
    }
    return app


def generate(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Yield ``n`` varied, valid applications; the same ``(n, seed)`` gives the same ones."""
    rng = random.Random(seed)
    base = seed_application()
    for index in range(n):
        yield _one(rng, base, index)


def write_jsonl(path: str | Path, n: int, seed: int = 0) -> int:
    """Write ``n`` applications, one JSON object a line; returns the bytes written."""
    written = 0
    with Path(path).open("wb") as out:
        for app in generate(n, seed):
            written += out.write(orjson.dumps(app) + b"\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", type=int, help="how many applications")
    parser.add_argument("out", help="the JSONL file to write, or - for stdout")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.out == "-":
        for app in generate(args.n, args.seed):
            sys.stdout.buffer.write(orjson.dumps(app) + b"\n")
        sys.stdout.buffer.flush()
    else:
        write_jsonl(args.out, args.n, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
