"""Envelope messages of the API, in Indonesian (default) and English.

The Kocek platform's own strings are kept to the letter where the seed document shows
them (the 403 body, the 401 body, the 404 body)."""

from __future__ import annotations

from cde.domain.text import Lang

__all__ = ["API_MESSAGES", "language", "message"]

API_MESSAGES: dict[str, tuple[str, str]] = {
    "created": (
        "Berhasil mendapatkan rekomendasi kredit",
        "Generate credit recommendation successfully",
    ),
    "detail": (
        "Berhasil menampilkan detail rekomendasi kredit.",
        "Successfully displayed the credit recommendation detail.",
    ),
    "list": (
        "Berhasil menampilkan daftar rekomendasi kredit.",
        "Successfully displayed the list of credit recommendations.",
    ),
    "service_off": (
        "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia",
        "The loan recommendation service is currently unavailable",
    ),
    "not_found": ("Data not found.", "Data not found."),
    "invalid": ("Data permohonan tidak valid", "The application data is invalid"),
    "invalid_query": ("Parameter permintaan tidak valid", "Invalid request parameters"),
    "bad_json": ("Badan permintaan bukan JSON yang valid", "The request body is not valid JSON"),
    "too_large": ("Badan permintaan terlalu besar", "The request body is too large"),
    "instruction_file": (
        "Berkas instruksi sistem kustom ditolak",
        "The custom system-instruction file is refused",
    ),
    "internal": (
        "Terjadi kesalahan pada server; coba lagi nanti",
        "The server ran into an error; please try again later",
    ),
    "unavailable": (
        "Layanan sementara tidak tersedia (basis data tidak terjangkau); coba lagi nanti",
        "The service is temporarily unavailable (database unreachable); try again later",
    ),
    "route_missing": ("Alamat tidak ditemukan", "Not Found"),
    "quota": (
        "Kuota layanan rekomendasi kredit telah habis",
        "The credit recommendation quota is used up",
    ),
    "quota_detail": (
        "Berhasil menampilkan kuota layanan rekomendasi kredit.",
        "Successfully displayed the credit recommendation quota.",
    ),
    "rate_limited": (
        "Terlalu banyak permintaan; coba lagi sebentar lagi",
        "Too many requests; try again shortly",
    ),
    "role_request": (
        "Peran {role} tidak diizinkan meminta rekomendasi kredit",
        "The role {role} may not request credit recommendations",
    ),
    "role_read": (
        "Peran {role} tidak diizinkan melihat rekomendasi kredit",
        "The role {role} may not read credit recommendations",
    ),
    "idempotency_bad": (
        "Idempotency-Key tidak valid",
        "The Idempotency-Key is not valid",
    ),
    "idempotency_conflict": (
        "Idempotency-Key ini sudah dipakai untuk badan permintaan yang berbeda",
        "This Idempotency-Key was already used with a different request body",
    ),
    "idempotency_pending": (
        "Permintaan pertama dengan Idempotency-Key ini masih diproses; coba lagi",
        "The first request with this Idempotency-Key is still being processed; retry",
    ),
    "batch_created": (
        "Batch diterima dan sedang diproses",
        "Batch accepted and being processed",
    ),
    "batch_detail": (
        "Berhasil menampilkan status batch.",
        "Successfully displayed the batch status.",
    ),
    "batch_invalid": ("Batch tidak valid", "The batch is not valid"),
    "outcomes_recorded": (
        "Hasil pinjaman diterima",
        "Loan outcomes received",
    ),
    "outcomes_list": (
        "Berhasil menampilkan daftar hasil pinjaman.",
        "Successfully displayed the list of loan outcomes.",
    ),
    "outcomes_invalid": (
        "Data hasil pinjaman tidak valid",
        "The loan outcome data is not valid",
    ),
    "too_deep": (
        "Badan permintaan terlalu dalam bersarang",
        "The request body is nested too deeply",
    ),
    "method": ("Metode tidak diizinkan", "Method Not Allowed"),
    "stability_report": (
        "Berhasil menampilkan laporan stabilitas dan keadilan.",
        "Successfully displayed the stability and fairness report.",
    ),
    "challenger_report": (
        "Berhasil menampilkan laporan champion–challenger.",
        "Successfully displayed the champion–challenger report.",
    ),
    "memo_pending": (
        "Narasi rekomendasi ini masih ditulis; memo dapat dicetak setelah selesai",
        "The narrative of this recommendation is still being written; print the memo once "
        "it is done",
    ),
    "memo_failed": (
        "Rekomendasi ini gagal diproses; tidak ada hasil untuk dicetak",
        "This recommendation failed; there is no result to print",
    ),
    "pdf_unavailable": (
        "Pembuatan PDF tidak tersedia di server ini (WeasyPrint belum terpasang)",
        "PDF generation is not available on this server (WeasyPrint is not installed)",
    ),
    "challenger_none": (
        "Tidak ada challenger yang dikonfigurasi dan tidak ada hasil challenger pada periode ini.",
        "No challenger is configured and no challenger results are stored for this period.",
    ),
}


def message(key: str, lang: Lang) -> str:
    pair = API_MESSAGES[key]
    return pair[0] if lang == "id" else pair[1]


def language(accept_language: str | None) -> Lang:
    """``en`` when the caller's first preference is English, otherwise Indonesian."""
    if not accept_language:
        return "id"
    first = accept_language.split(",", 1)[0].strip().lower()
    return "en" if first.startswith("en") else "id"
