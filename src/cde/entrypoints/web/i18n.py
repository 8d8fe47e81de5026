"""Every word of the workspace, in Bahasa Indonesia (the default) and English.

One catalogue, key → (Indonesian, English); ``{name}`` placeholders are filled by
:func:`text`. The engine's own texts (reasons, findings, the 5C narratives, the memo)
come in the language the recommendation was made in; these are the page's words around
them. ``tests/integration/test_web_workspace.py`` checks that no key is missing a language.
"""

from __future__ import annotations

from typing import Any

from cde.domain.text import Lang

__all__ = ["MESSAGES", "text"]

MESSAGES: dict[str, tuple[str, str]] = {
    # --- the frame -------------------------------------------------------------------------
    "app.name": ("Ruang kerja analis kredit", "Credit analyst's workspace"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "nav.label": ("Menu utama", "Main menu"),
    "nav.recommendations": ("Rekomendasi", "Recommendations"),
    "nav.new": ("Permohonan baru", "New application"),
    "nav.batches": ("Batch", "Batches"),
    "nav.dashboard": ("Dasbor", "Dashboard"),
    "nav.signout": ("Keluar", "Sign out"),
    "nav.language": ("Bahasa", "Language"),
    "nav.signed_in_as": ("Masuk sebagai", "Signed in as"),
    "nav.role": ("peran", "role"),
    "footer": (
        "cde {version} · semua waktu dalam zona {zone}",
        "cde {version} · all times in the {zone} time zone",
    ),
    # --- signing in --------------------------------------------------------------------------
    "signin.title": ("Masuk", "Sign in"),
    "signin.heading": ("Masuk ke ruang kerja analis", "Sign in to the analyst's workspace"),
    "signin.intro": (
        "Gunakan kunci API koperasi Anda (cdek_…) atau token layanan, sama seperti yang "
        "diterima API. Kunci tidak disimpan di peramban: sesi hanya mencatat koperasi, "
        "nama, peran, dan kapan sesi berakhir.",
        "Use your cooperative's API key (cdek_…) or a service token, as the API accepts "
        "them. The key is not kept in the browser: the session records only the "
        "cooperative, the name, the role and when the session ends.",
    ),
    "signin.intro_jwt": (
        "Token JWT dari penyedia identitas Anda juga diterima; nama dan peran lalu "
        "diambil dari token.",
        "A JWT from your identity provider is accepted too; the name and role then come "
        "from the token.",
    ),
    "signin.credential": ("Kunci API atau token", "API key or token"),
    "signin.user_id": ("ID pengguna (opsional)", "User ID (optional)"),
    "signin.user_name": ("Nama (opsional)", "Name (optional)"),
    "signin.role": ("Peran", "Role"),
    "signin.role_any": ("(tanpa peran)", "(no role)"),
    "signin.role_hint": (
        "Peran menentukan apa yang boleh Anda lakukan, seperti header User-Role pada API.",
        "The role decides what you may do, as the User-Role header does on the API.",
    ),
    "signin.submit": ("Masuk", "Sign in"),
    "signin.failed.title": ("Gagal masuk", "Sign-in failed"),
    "signin.failed": (
        "Kunci atau token tidak dikenal. Periksa lalu coba lagi.",
        "The key or token is not known. Check it and try again.",
    ),
    "signin.tenant_inactive": (
        "Layanan koperasi ini sedang tidak aktif.",
        "This cooperative's service is not active.",
    ),
    "notice.expired": (
        "Sesi Anda telah berakhir. Silakan masuk lagi.",
        "Your session has ended. Please sign in again.",
    ),
    "notice.revoked": (
        "Anda telah dikeluarkan: koperasi dinonaktifkan atau kuncinya tidak berlaku lagi.",
        "You were signed out: the cooperative was disabled or its key no longer works.",
    ),
    "notice.signed_out": ("Anda telah keluar.", "You have signed out."),
    "notice.signin_needed": (
        "Silakan masuk untuk membuka halaman ini.",
        "Please sign in to open this page.",
    ),
    # --- the list ------------------------------------------------------------------------------
    "list.title": ("Rekomendasi kredit", "Credit recommendations"),
    "list.filters": ("Saring", "Filter"),
    "list.apply": ("Terapkan", "Apply"),
    "list.clear": ("Hapus saringan", "Clear filters"),
    "list.any": ("Semua", "Any"),
    "list.from": ("Dari tanggal", "From date"),
    "list.to": ("Sampai tanggal", "To date"),
    "list.count": ("{count} rekomendasi", "{count} recommendations"),
    "list.count_filtered": (
        "{count} rekomendasi cocok dengan saringan",
        "{count} recommendations match the filters",
    ),
    "list.empty": ("Belum ada rekomendasi.", "No recommendations yet."),
    "list.empty_filtered": (
        "Tidak ada rekomendasi yang cocok dengan saringan.",
        "No recommendation matches the filters.",
    ),
    "list.caption": (
        "Rekomendasi, terbaru lebih dulu",
        "Recommendations, newest first",
    ),
    "list.date": ("Waktu", "Time"),
    "list.open": ("Buka", "Open"),
    "list.pages": ("Halaman", "Pages"),
    "list.page_of": ("Halaman {page} dari {pages}", "Page {page} of {pages}"),
    "list.previous": ("Sebelumnya", "Previous"),
    "list.next": ("Berikutnya", "Next"),
    "col.loan_id": ("ID pinjaman", "Loan ID"),
    "col.customer_id": ("ID anggota", "Customer ID"),
    "col.status": ("Status", "Status"),
    "col.outcome": ("Keputusan", "Decision"),
    "col.grade": ("Grade", "Grade"),
    "col.plafon": ("Plafon", "Plafon"),
    "status.success": ("Selesai", "Done"),
    "status.fail": ("Gagal", "Failed"),
    "status.processing": ("Diproses", "Processing"),
    "outcome.approve": ("Disetujui", "Approved"),
    "outcome.approve_with_conditions": ("Disetujui dengan syarat", "Approved with conditions"),
    "outcome.decline": ("Ditolak", "Declined"),
    # --- one recommendation -------------------------------------------------------------------
    "detail.title": ("Rekomendasi {loan_id}", "Recommendation {loan_id}"),
    "detail.record": ("Catatan", "Record"),
    "detail.id": ("ID rekomendasi", "Recommendation ID"),
    "detail.created": ("Dibuat", "Created"),
    "detail.policy": ("Kebijakan", "Policy"),
    "detail.engine": ("Versi mesin", "Engine version"),
    "detail.language": ("Bahasa hasil", "Language of the result"),
    "detail.by": ("Diajukan oleh", "Submitted by"),
    "detail.pdf": ("Unduh memo (PDF)", "Download memo (PDF)"),
    "detail.back": ("Kembali ke daftar", "Back to the list"),
    "detail.failed": (
        "Evaluasi permohonan ini gagal; data permohonan tetap disimpan di bawah.",
        "The evaluation of this application failed; the application is kept below.",
    ),
    "detail.processing": (
        "Narasi sedang ditulis; halaman ini akan diperbarui.",
        "The narrative is being written; this page will refresh.",
    ),
    "decision.title": ("Keputusan", "Decision"),
    "decision.requested": ("Diminta", "Requested"),
    "decision.recommended": ("Direkomendasikan", "Recommended"),
    "decision.plafon": ("Plafon", "Plafon"),
    "decision.tenure": ("Tenor", "Term"),
    "decision.installment": ("Angsuran per bulan", "Monthly instalment"),
    "decision.method": ("Metode bunga", "Interest method"),
    "decision.rate_value": ("{rate} per tahun", "{rate} a year"),
    "decision.score": ("Skor keseluruhan", "Overall score"),
    "decision.conditions": ("Syarat", "Conditions"),
    "decision.requirements": ("Persyaratan sebelum pencairan", "Before disbursement"),
    "decision.reasons": ("Alasan", "Reasons"),
    "decision.knockouts": ("Syarat tolak otomatis", "Knock-outs met"),
    "method.flat": ("flat", "flat"),
    "method.efektif": ("efektif (menurun)", "effective (declining)"),
    "method.anuitas": ("anuitas", "annuity"),
    "five_c.title": ("Penilaian 5C", "The five Cs"),
    "five_c.character": ("Karakter", "Character"),
    "five_c.capacity": ("Kapasitas", "Capacity"),
    "five_c.capital": ("Modal", "Capital"),
    "five_c.collateral": ("Agunan", "Collateral"),
    "five_c.condition": ("Kondisi", "Condition"),
    "five_c.score": ("Skor", "Score"),
    "five_c.weight": ("Bobot", "Weight"),
    "five_c.findings": ("Temuan", "Findings"),
    "five_c.no_findings": ("Tidak ada temuan.", "No findings."),
    "severity.critical": ("kritis", "critical"),
    "severity.high": ("tinggi", "high"),
    "severity.medium": ("sedang", "medium"),
    "severity.low": ("rendah", "low"),
    "severity.info": ("info", "info"),
    "severity.positive": ("positif", "positive"),
    "scorecard.title": ("Kartu skor", "Scorecard"),
    "scorecard.pd": ("Probabilitas gagal bayar (PD)", "Probability of default (PD)"),
    "scorecard.band": ("Kelas risiko", "Risk band"),
    "scorecard.points": ("Poin", "Points"),
    "scorecard.model": ("Model", "Model"),
    "scorecard.adverse": ("Alasan yang merugikan", "Adverse reasons"),
    "quality.title": ("Kualitas data", "Data quality"),
    "quality.none": ("Tidak ada masalah data.", "No data problems."),
    "quality.field": ("Bidang", "Field"),
    "schedule.title": ("Jadwal angsuran", "Amortisation schedule"),
    "schedule.none": (
        "Tidak ada pinjaman yang direkomendasikan, jadi tidak ada jadwal angsuran.",
        "No loan is recommended, so there is no schedule.",
    ),
    "schedule.show": ("Tampilkan jadwal ({months} bulan)", "Show the schedule ({months} months)"),
    "schedule.month": ("Bulan", "Month"),
    "schedule.installment": ("Angsuran", "Instalment"),
    "schedule.principal": ("Pokok", "Principal"),
    "schedule.interest": ("Bunga", "Interest"),
    "schedule.balance": ("Sisa pokok", "Balance"),
    "schedule.total": ("Total", "Total"),
    "memo.title": ("Memo kredit", "Credit memo"),
    "memo.unavailable": ("Memo belum dapat diunduh", "The memo cannot be downloaded"),
    "memo.pending": (
        "Belum ada memo untuk dicetak: narasi masih ditulis atau evaluasinya gagal.",
        "There is no memo to print yet: the narrative is still being written, or the "
        "evaluation failed.",
    ),
    "memo.not_installed": (
        "Server ini belum dapat membuat PDF (cde[pdf] tidak terpasang).",
        "This server cannot make PDFs (cde[pdf] is not installed).",
    ),
    "payload.title": ("Data permohonan asli", "The application as received"),
    "payload.show": ("Tampilkan JSON", "Show the JSON"),
    # --- a new application ----------------------------------------------------------------
    "application.title": ("Permohonan kredit baru", "New credit application"),
    "application.intro": (
        "Isi data permohonan seperti yang dikirim platform Kocek. Bidang bertanda * wajib "
        "diisi; bidang lain boleh dikosongkan. Angka boleh ditulis 10000000 atau 10.000.000.",
        "Enter the application as the Kocek platform sends it. Fields marked * are "
        "required; the others may be left empty. Numbers may be written 10000000 or "
        "10.000.000.",
    ),
    "application.example": ("Isi dengan contoh permohonan", "Fill in the example application"),
    "application.submit": ("Kirim permohonan", "Submit the application"),
    "application.required": ("wajib", "required"),
    "application.invalid": (
        "Permohonan belum dapat diproses: {count} bidang perlu diperbaiki.",
        "The application cannot be processed yet: {count} fields need fixing.",
    ),
    "application.other_errors": ("Masalah lain", "Other problems"),
    "application.conflict": (
        "Permohonan ini sudah dikirim dengan data lain. Periksa data lalu kirim lagi.",
        "This application was sent before with other data. Check it and submit again.",
    ),
    "application.pending": (
        "Permohonan yang sama sedang diproses. Tunggu sebentar lalu kirim lagi.",
        "The same application is being processed. Wait a moment and submit again.",
    ),
    "application.unknown": ("Tidak diketahui", "Unknown"),
    "application.yes": ("Ya", "Yes"),
    "application.no": ("Tidak", "No"),
    "application.choose": ("— pilih —", "— choose —"),
    "application.from": ("dari", "from"),
    "application.to": ("sampai", "to"),
    "application.range_hint": (
        "Rupiah per bulan; isi keduanya untuk rentang, atau satu angka saja.",
        "Rupiah a month; fill in both for a range, or one amount.",
    ),
    "application.row": ("{list} {number}", "{list} {number}"),
    "application.add": ("Tambah {item}", "Add {item}"),
    "application.remove": ("Hapus {item} {number}", "Remove {item} {number}"),
    "application.none": ("Belum ada.", "None yet."),
    "section.top": ("Identitas permohonan", "The application"),
    "section.application": ("Pinjaman yang diminta", "The loan asked for"),
    "section.character": ("Karakter (data anggota)", "Character (the member)"),
    "section.internal_data": ("Data internal koperasi", "The cooperative's own records"),
    "section.income": ("Penghasilan", "Income"),
    "section.expenses": ("Pengeluaran", "Expenses"),
    "section.collaterals": ("Agunan", "Collateral"),
    "item.income": ("penghasilan", "income"),
    "item.expenses": ("pengeluaran", "expense"),
    "item.collaterals": ("agunan", "collateral"),
    "row.income": ("Penghasilan", "Income"),
    "row.expenses": ("Pengeluaran", "Expense"),
    "row.collaterals": ("Agunan", "Collateral"),
    "field.top.loan_id": ("ID pinjaman", "Loan ID"),
    "field.top.customer_id": ("ID anggota", "Customer ID"),
    "field.application.plafon": ("Plafon (Rp)", "Plafon (Rp)"),
    "field.application.tenure": ("Tenor (bulan)", "Term (months)"),
    "field.application.interest": ("Suku bunga (% per tahun)", "Interest rate (% a year)"),
    "field.application.loan_interest_method": ("Metode bunga", "Interest method"),
    "field.application.loan_interest_method.1": ("Bunga flat", "Flat"),
    "field.application.loan_interest_method.2": ("Bunga efektif", "Effective (declining)"),
    "field.application.loan_interest_method.3": ("Bunga anuitas", "Annuity"),
    "field.application.purpose": ("Tujuan pinjaman", "Purpose"),
    "field.character.name": ("Nama anggota", "Member's name"),
    "field.character.nik": ("NIK", "NIK (national ID)"),
    "field.character.kyc_status": ("KYC sudah dilakukan", "KYC done"),
    "field.character.age": ("Usia (tahun)", "Age (years)"),
    "field.character.birth": ("Tempat, tanggal lahir", "Place and date of birth"),
    "field.character.birth.hint": (
        "mis. Denpasar, 10 April 1984",
        "e.g. Denpasar, 10 April 1984",
    ),
    "field.character.gender": ("Jenis kelamin", "Gender"),
    "field.character.gender.l": ("Laki-laki", "Male"),
    "field.character.gender.p": ("Perempuan", "Female"),
    "field.character.member_date": ("Anggota sejak", "Member since"),
    "field.character.occupation": ("Pekerjaan", "Occupation"),
    "field.internal_data.collectability": ("Kolektibilitas", "Kolektibilitas"),
    "field.internal_data.collectability.1": ("1 — Lancar", "1 — Current (Lancar)"),
    "field.internal_data.collectability.2": (
        "2 — Dalam Perhatian Khusus",
        "2 — Special mention (DPK)",
    ),
    "field.internal_data.collectability.3": ("3 — Kurang Lancar", "3 — Substandard"),
    "field.internal_data.collectability.4": ("4 — Diragukan", "4 — Doubtful"),
    "field.internal_data.collectability.5": ("5 — Macet", "5 — Loss (Macet)"),
    "field.internal_data.total_loan": ("Jumlah pinjaman (semua)", "Loans (all)"),
    "field.internal_data.total_loan_active": ("Pinjaman aktif", "Active loans"),
    "field.internal_data.loan_remaining": (
        "Sisa pinjaman berjalan (Rp)",
        "Outstanding loans (Rp)",
    ),
    "field.internal_data.behaviour_pattern_deposit_per_month": (
        "Setoran per bulan (kali)",
        "Deposits a month (times)",
    ),
    "field.internal_data.behaviour_pattern_withdrawal_per_month": (
        "Penarikan per bulan (kali)",
        "Withdrawals a month (times)",
    ),
    "field.internal_data.behaviour_pattern_withdrawal_ratio": (
        "Rasio penarikan (%)",
        "Withdrawal ratio (%)",
    ),
    "field.internal_data.behaviour_pattern_avg_balance": (
        "Saldo rata-rata (Rp)",
        "Average balance (Rp)",
    ),
    "field.internal_data.behaviour_pattern_avg_growth_balance": (
        "Pertumbuhan saldo rata-rata (%)",
        "Average balance growth (%)",
    ),
    "field.internal_data.total_saving": ("Jumlah tabungan", "Savings accounts"),
    "field.internal_data.total_saving_active": ("Tabungan aktif", "Active savings accounts"),
    "field.internal_data.total_balance_active": (
        "Saldo tabungan aktif (Rp)",
        "Active savings balance (Rp)",
    ),
    "field.internal_data.total_deposit": ("Jumlah deposito", "Time deposits"),
    "field.internal_data.total_deposit_balance": (
        "Saldo deposito (Rp)",
        "Time deposit balance (Rp)",
    ),
    "field.internal_data.total_deposit_active": ("Deposito aktif", "Active time deposits"),
    "field.internal_data.total_deposit_active_balance": (
        "Saldo deposito aktif (Rp)",
        "Active time deposit balance (Rp)",
    ),
    "field.income.key": ("Sumber penghasilan", "Source of income"),
    "field.income.value": ("Penghasilan per bulan (Rp)", "Income a month (Rp)"),
    "field.expenses.key": ("Jenis pengeluaran", "Kind of expense"),
    "field.expenses.value": ("Pengeluaran per bulan (Rp)", "Expenses a month (Rp)"),
    "field.collaterals.name": ("Nama agunan", "Name"),
    "field.collaterals.code": ("Kode jenis agunan", "Collateral code"),
    "field.collaterals.type": ("Jenis agunan", "Kind"),
    "field.collaterals.value": ("Nilai agunan (Rp)", "Value (Rp)"),
    "field.collaterals.estimated_price": ("Perkiraan harga (Rp)", "Estimated price (Rp)"),
    "field.collaterals.recognition": ("Persentase pengakuan (%)", "Recognition (%)"),
    "field.collaterals.recognition_value": ("Nilai pengakuan (Rp)", "Recognised value (Rp)"),
    "field.collaterals.is_verified": ("Sudah diverifikasi", "Verified"),
    "field.collaterals.is_tax_paid": ("Pajak sudah dibayar", "Tax paid"),
    "field.collaterals.information": ("Keterangan", "Notes"),
    # --- batches --------------------------------------------------------------------------
    "batch.title": ("Unggah batch", "Upload a batch"),
    "batch.intro": (
        "Satu berkas berisi banyak permohonan: JSON lines (.jsonl, satu permohonan per "
        "baris) atau satu array JSON (.json), seperti POST /kocek/cde/batches. Permohonan "
        "yang tidak valid dilaporkan per baris tanpa menghentikan batch.",
        "One file of many applications: JSON lines (.jsonl, one application a line) or a "
        "JSON array (.json), as POST /kocek/cde/batches takes. An invalid application is "
        "reported on its line; it never stops the batch.",
    ),
    "batch.file": ("Berkas permohonan", "File of applications"),
    "batch.submit": ("Unggah dan proses", "Upload and process"),
    "batch.no_file": ("Pilih berkas terlebih dahulu.", "Choose a file first."),
    "batch.too_large": (
        "Berkas terlalu besar (batas {limit} byte).",
        "The file is too large (limit {limit} bytes).",
    ),
    "batch.invalid": ("Berkas tidak dapat dibaca: {detail}", "The file cannot be read: {detail}"),
    "batch.heading": ("Batch {id}", "Batch {id}"),
    "batch.progress": ("Kemajuan", "Progress"),
    "batch.counts": (
        "{done} dari {total} selesai, {failed} gagal, {pending} menunggu",
        "{done} of {total} done, {failed} failed, {pending} waiting",
    ),
    "batch.status.queued": ("Dalam antrean", "Queued"),
    "batch.status.running": ("Sedang diproses", "Running"),
    "batch.status.done": ("Selesai", "Done"),
    "batch.as_of": ("Tanggal evaluasi", "Evaluated as of"),
    "batch.created": ("Diunggah", "Uploaded"),
    "batch.summary": ("Ringkasan", "Summary"),
    "batch.outcomes": ("Keputusan", "Decisions"),
    "batch.grades": ("Grade", "Grades"),
    "batch.total_plafon": ("Total plafon direkomendasikan", "Total plafon recommended"),
    "batch.download": ("Unduh hasil (JSON lines)", "Download the results (JSON lines)"),
    "batch.another": ("Unggah batch lain", "Upload another batch"),
    "batch.refresh": (
        "Halaman ini diperbarui otomatis sampai batch selesai.",
        "This page refreshes itself until the batch is done.",
    ),
    # --- the dashboard --------------------------------------------------------------------
    "dashboard.title": ("Dasbor portofolio", "Portfolio dashboard"),
    "dashboard.range": ("Rentang tanggal", "Date range"),
    "dashboard.figures": ("Angka utama", "Key figures"),
    "dashboard.unavailable": (
        "Dasbor belum tersedia di server ini.",
        "The dashboard is not available on this server yet.",
    ),
    "dashboard.empty": (
        "Belum ada rekomendasi yang diputuskan dalam rentang ini.",
        "No decided recommendation in this range yet.",
    ),
    # --- errors ---------------------------------------------------------------------------
    "error.title": ("Terjadi kesalahan", "Something went wrong"),
    "error.back": ("Kembali ke ruang kerja", "Back to the workspace"),
    "error.csrf.title": ("Permintaan ditolak", "Request refused"),
    "error.csrf": (
        "Formulir ini kedaluwarsa atau tidak berasal dari ruang kerja ini, jadi tidak ada "
        "yang dilakukan. Muat ulang halaman lalu coba lagi.",
        "This form has expired or did not come from this workspace, so nothing was done. "
        "Reload the page and try again.",
    ),
    "error.role.title": ("Tidak diizinkan", "Not allowed"),
    "error.role.read": (
        "Peran {role} tidak diizinkan melihat rekomendasi kredit.",
        "The role {role} may not read credit recommendations.",
    ),
    "error.role.request": (
        "Peran {role} tidak diizinkan meminta rekomendasi kredit.",
        "The role {role} may not request credit recommendations.",
    ),
    "error.service_off.title": ("Layanan tidak tersedia", "Service unavailable"),
    "error.service_off": (
        "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia",
        "The loan recommendation service is currently unavailable",
    ),
    "error.rate.title": ("Terlalu banyak permintaan", "Too many requests"),
    "error.rate": (
        "Terlalu banyak permintaan; coba lagi dalam {seconds} detik.",
        "Too many requests; try again in {seconds} seconds.",
    ),
    "error.quota.title": ("Kuota habis", "Quota used up"),
    "error.quota": (
        "Kuota layanan rekomendasi kredit telah habis",
        "The credit recommendation quota is used up",
    ),
    "error.not_found.title": ("Tidak ditemukan", "Not found"),
    "error.not_found": (
        "Data tidak ditemukan. Data ini mungkin tidak ada atau milik koperasi lain.",
        "Not found. It may not exist, or belong to another cooperative.",
    ),
    "error.unavailable.title": ("Layanan tidak tersedia", "Service unavailable"),
    "error.unavailable": (
        "Basis data tidak terjangkau; coba lagi nanti.",
        "The database cannot be reached; try again later.",
    ),
    "error.internal": (
        "Terjadi kesalahan pada server; coba lagi nanti. (ID permintaan {request_id})",
        "The server ran into an error; please try again later. (request id {request_id})",
    ),
}


def text(key: str, lang: Lang, **values: Any) -> str:
    """The words of ``key`` in ``lang``, placeholders filled; an unknown key shows itself
    (a missing word is visible, never an error page)."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    words = pair[1] if lang == "en" else pair[0]
    return words.format(**values) if values else words
