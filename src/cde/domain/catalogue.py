"""The reason-code catalogue: the single source of every finding's words.

Each code maps to its message in Indonesian and English. Messages are ``str.format``
templates; a parameter's name says how its value is written for people:

=============  ==========================================  ==================
suffix         value                                       written as (id)
=============  ==========================================  ==================
``_rp``        whole rupiah                                ``Rp 10.000.000``
``_pct``       percent points                              ``45,2%``
``_x``         a multiple                                  ``2,8×``
``_n1``        a number with one decimal                   ``8,3``
``_date``      :class:`datetime.date`                      ``1 Agustus 2020``
``_months``    whole months                                ``12``
(other)        :class:`~cde.domain.text.Text` or plain     as given
=============  ==========================================  ==================

``CONDITIONS`` says which findings impose a condition on an approval, and ``CONDITION_TEXT``
holds the words of each condition. Tests check that every code the engine can emit is
here, in both languages, and has a policy entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from string import Formatter
from typing import Any

from cde.domain import text
from cde.domain.text import Lang, Text

__all__ = [
    "CONDITIONS",
    "CONDITION_TEXT",
    "MESSAGES",
    "QUALITY_MESSAGES",
    "REQUIREMENTS",
    "render",
]

MESSAGES: dict[str, tuple[str, str]] = {
    # --- Character -------------------------------------------------------------------
    "KYC_DONE": ("KYC sudah dilakukan.", "KYC has been completed."),
    "KYC_NOT_DONE": (
        "KYC belum dilakukan: identitas anggota belum terverifikasi.",
        "KYC has not been done: the member's identity is not verified.",
    ),
    "KYC_UNKNOWN": (
        "Status KYC tidak diisi: identitas anggota belum dapat dianggap terverifikasi.",
        "KYC status is missing: the member's identity cannot be taken as verified.",
    ),
    "KOLEK_CURRENT": (
        "Kolektibilitas {kolek} (kol-{kolek_code}): pembayaran pinjaman berjalan lancar.",
        "Loan quality {kolek} (class {kolek_code}): repayments are current.",
    ),
    "KOLEK_SPECIAL_MENTION": (
        "Kolektibilitas {kolek} (kol-{kolek_code}): ada tunggakan {days}.",
        "Loan quality {kolek} (class {kolek_code}): arrears of {days}.",
    ),
    "KOLEK_NON_PERFORMING": (
        "Kolektibilitas {kolek} (kol-{kolek_code}): pinjaman bermasalah (non-performing), "
        "tunggakan {days}.",
        "Loan quality {kolek} (class {kolek_code}): non-performing, arrears of {days}.",
    ),
    "KOLEK_UNKNOWN": (
        "Kolektibilitas tidak diisi: riwayat pembayaran tidak dapat dinilai.",
        "Loan quality class is missing: the repayment record cannot be assessed.",
    ),
    "LOANS_NONE": (
        "Belum pernah meminjam di koperasi: belum ada riwayat pembayaran.",
        "No previous loans with the cooperative: no repayment record yet.",
    ),
    "LOANS_HISTORY": (
        "Riwayat {total} pinjaman, {active} di antaranya masih aktif.",
        "{total} loans on record, {active} of them still active.",
    ),
    "ACTIVE_LOANS_EXCESSIVE": (
        "{active} pinjaman aktif, melebihi batas kebijakan {max_active} pinjaman sekaligus.",
        "{active} active loans, above the policy limit of {max_active} at a time.",
    ),
    "LOANS_UNKNOWN": (
        "Jumlah pinjaman terdahulu tidak diisi.",
        "The number of previous loans is missing.",
    ),
    "MEMBERSHIP_LONG": (
        "Anggota sejak {since_date} ({duration}): keanggotaan yang panjang.",
        "Member since {since_date} ({duration}): a long membership.",
    ),
    "MEMBERSHIP_MODERATE": (
        "Anggota sejak {since_date} ({duration}).",
        "Member since {since_date} ({duration}).",
    ),
    "MEMBERSHIP_SHORT": (
        "Anggota sejak {since_date} ({duration}), kurang dari minimal {min_months} bulan.",
        "Member since {since_date} ({duration}), less than the minimum of {min_months} months.",
    ),
    "MEMBERSHIP_FUTURE": (
        "Tanggal mulai keanggotaan {since_date} ada di masa depan: lama keanggotaan tidak "
        "dapat dinilai.",
        "The membership start {since_date} lies in the future: membership length cannot be "
        "assessed.",
    ),
    "MEMBERSHIP_UNKNOWN": (
        "Tanggal mulai keanggotaan tidak diisi.",
        "The membership start date is missing.",
    ),
    "AGE_OK": (
        "Usia {age} tahun; {age_at_maturity} tahun saat jatuh tempo tenor yang diajukan, dalam "
        "batas {max_age} tahun.",
        "Age {age}; {age_at_maturity} at the end of the requested term, within the limit of "
        "{max_age}.",
    ),
    "AGE_BELOW_MINIMUM": (
        "Usia {age} tahun, di bawah usia minimum {min_age} tahun.",
        "Age {age}, below the minimum age of {min_age}.",
    ),
    "AGE_AT_MATURITY_EXCEEDED": (
        "Usia {age} tahun: tenor {tenure_months} bulan yang diminta berakhir setelah batas usia "
        "{max_age} tahun saat jatuh tempo; tenor paling lama {max_tenor_months} bulan.",
        "Age {age}: the requested {tenure_months}-month term would end after the age limit of "
        "{max_age} at maturity; the term can be at most {max_tenor_months} months.",
    ),
    "AGE_LIMIT_REACHED": (
        "Usia {age} tahun: batas usia {max_age} tahun saat jatuh tempo tidak menyisakan tenor.",
        "Age {age}: the age limit of {max_age} at maturity leaves no room for any term.",
    ),
    "AGE_UNKNOWN": (
        "Usia dan tanggal lahir tidak diisi: batas usia tidak dapat diperiksa.",
        "Age and date of birth are missing: the age limits cannot be checked.",
    ),
    "OCCUPATION_STATED": ("Pekerjaan: {occupation}.", "Occupation: {occupation}."),
    "OCCUPATION_MISSING": (
        "Pekerjaan tidak diisi: sumber penghasilan tidak dapat dinilai.",
        "Occupation is missing: the source of income cannot be assessed.",
    ),
    "NIK_VALID": (
        "NIK 16 digit dan konsisten dengan data kelahiran.",
        "The NIK has 16 digits and agrees with the birth data.",
    ),
    "NIK_INVALID": (
        "NIK tidak sah ({problem}): identitas perlu diverifikasi.",
        "The NIK is not valid ({problem}): the identity needs verifying.",
    ),
    "NIK_MISSING": ("NIK tidak diisi.", "The NIK is missing."),
    # --- Capacity --------------------------------------------------------------------
    "INCOME_MISSING": (
        "Penghasilan tidak diisi: kemampuan membayar tidak dapat dibuktikan.",
        "No income is stated: the ability to repay cannot be shown.",
    ),
    "INCOME_SUMMARY": (
        "Penghasilan {income_low_rp}–{income_high_rp} per bulan, dihitung dari batas bawah "
        "{income_low_rp}; pengeluaran {expenses_low_rp}–{expenses_high_rp}, dihitung dari "
        "batas atas {expenses_high_rp}.",
        "Income {income_low_rp}–{income_high_rp} a month, counted at the low end "
        "{income_low_rp}; expenses {expenses_low_rp}–{expenses_high_rp}, counted at the "
        "high end {expenses_high_rp}.",
    ),
    "EXISTING_OBLIGATIONS": (
        "Sisa pinjaman berjalan {remaining_rp} ({active} pinjaman aktif), diperkirakan "
        "angsurannya {existing_rp} per bulan (asumsi kebijakan: lunas dalam "
        "{assumed_months} bulan dengan bunga {assumed_rate_pct} per tahun).",
        "Outstanding loans {remaining_rp} ({active} active), estimated at {existing_rp} a "
        "month (policy assumption: repaid over {assumed_months} months at "
        "{assumed_rate_pct} a year).",
    ),
    "EXISTING_DEBT_UNKNOWN": (
        "{active} pinjaman aktif tanpa sisa pinjaman yang dilaporkan: kewajiban berjalan "
        "tidak dapat dihitung.",
        "{active} active loans but no outstanding balance reported: current obligations "
        "cannot be counted.",
    ),
    "CAPACITY_NO_ROOM": (
        "Sisa penghasilan setelah pengeluaran dan angsuran berjalan {disposable_rp} per bulan: "
        "tidak ada ruang untuk angsuran baru {instalment_rp}.",
        "Income left after expenses and current instalments is {disposable_rp} a month: no "
        "room for a new instalment of {instalment_rp}.",
    ),
    "INSTALMENT_WITHIN_RPC": (
        "Angsuran yang diminta {instalment_rp} di bawah kapasitas bayar {rpc_rp} "
        "({rpc_share_pct} dari sisa penghasilan {disposable_rp}).",
        "The requested instalment {instalment_rp} is within the repayment capacity "
        "{rpc_rp} ({rpc_share_pct} of the income left, {disposable_rp}).",
    ),
    "INSTALMENT_EXCEEDS_RPC": (
        "Angsuran yang diminta {instalment_rp} melebihi kapasitas bayar {rpc_rp} "
        "({rpc_share_pct} dari sisa penghasilan {disposable_rp}).",
        "The requested instalment {instalment_rp} exceeds the repayment capacity "
        "{rpc_rp} ({rpc_share_pct} of the income left, {disposable_rp}).",
    ),
    "DSR_HEALTHY": (
        "DSR {dsr_pct}: sehat (paling tinggi {limit_pct}).",
        "DSR {dsr_pct}: healthy (at most {limit_pct}).",
    ),
    "DSR_ACCEPTABLE": (
        "DSR {dsr_pct}: masih dapat diterima (paling tinggi {limit_pct}).",
        "DSR {dsr_pct}: acceptable (at most {limit_pct}).",
    ),
    "DSR_WATCH": (
        "DSR {dsr_pct}: perlu diwaspadai (paling tinggi {limit_pct}).",
        "DSR {dsr_pct}: to be watched (at most {limit_pct}).",
    ),
    "DSR_EXCESSIVE": (
        "DSR {dsr_pct}, melebihi batas {limit_pct}: beban angsuran terlalu berat.",
        "DSR {dsr_pct}, above the limit of {limit_pct}: the instalments are too heavy.",
    ),
    # --- Capital ---------------------------------------------------------------------
    "CAPITAL_NO_DATA": (
        "Data simpanan dan deposito tidak tersedia.",
        "No savings or deposit data is available.",
    ),
    "OWN_FUNDS_STRONG": (
        "Dana sendiri {own_funds_rp} (tabungan aktif {savings_rp}, deposito aktif "
        "{deposits_rp}), setara {own_funds_pct} dari plafon yang diminta.",
        "Own funds {own_funds_rp} (active savings {savings_rp}, active deposits "
        "{deposits_rp}), {own_funds_pct} of the requested amount.",
    ),
    "OWN_FUNDS_MODEST": (
        "Dana sendiri {own_funds_rp} (tabungan aktif {savings_rp}, deposito aktif "
        "{deposits_rp}), hanya {own_funds_pct} dari plafon yang diminta.",
        "Own funds {own_funds_rp} (active savings {savings_rp}, active deposits "
        "{deposits_rp}), only {own_funds_pct} of the requested amount.",
    ),
    "OWN_FUNDS_LOW": (
        "Dana sendiri {own_funds_rp} (tabungan aktif {savings_rp}, deposito aktif "
        "{deposits_rp}), kecil: {own_funds_pct} dari plafon yang diminta.",
        "Own funds {own_funds_rp} (active savings {savings_rp}, active deposits "
        "{deposits_rp}) are small: {own_funds_pct} of the requested amount.",
    ),
    "WITHDRAWAL_RATIO_HIGH": (
        "Rasio penarikan {ratio_pct}, di atas {max_pct}: simpanan sedang terkuras.",
        "Withdrawal ratio {ratio_pct}, above {max_pct}: savings are being drawn down.",
    ),
    "WITHDRAWAL_RATIO_HEALTHY": (
        "Rasio penarikan {ratio_pct}: simpanan tidak terkuras.",
        "Withdrawal ratio {ratio_pct}: savings are not being drawn down.",
    ),
    "SAVING_ACTIVITY": (
        "Rata-rata {deposits_n1} setoran dan {withdrawals_n1} penarikan per bulan.",
        "On average {deposits_n1} deposits and {withdrawals_n1} withdrawals a month.",
    ),
    "WITHDRAWALS_EXCEED_DEPOSITS": (
        "Rata-rata {withdrawals_n1} penarikan per bulan, lebih sering dari {deposits_n1} setoran.",
        "On average {withdrawals_n1} withdrawals a month, more often than {deposits_n1} deposits.",
    ),
    "AVERAGE_BALANCE": ("Saldo rata-rata {avg_balance_rp}.", "Average balance {avg_balance_rp}."),
    "BALANCE_GROWTH_POSITIVE": (
        "Saldo tumbuh rata-rata {growth_pct}.",
        "The balance grows by {growth_pct} on average.",
    ),
    "BALANCE_GROWTH_NEGATIVE": (
        "Saldo menyusut rata-rata {growth_pct}.",
        "The balance shrinks by {growth_pct} on average.",
    ),
    "BALANCE_GROWTH_UNKNOWN": (
        "Pertumbuhan saldo tidak tersedia.",
        "Balance growth is not available.",
    ),
    # --- Collateral ------------------------------------------------------------------
    "COLLATERAL_NONE": (
        "Tidak ada agunan, padahal plafon di atas batas pinjaman tanpa agunan {limit_rp}.",
        "No collateral, although the amount is above the unsecured limit of {limit_rp}.",
    ),
    "COLLATERAL_NOT_REQUIRED": (
        "Tanpa agunan: plafon dalam batas pinjaman tanpa agunan {limit_rp}.",
        "No collateral: the amount is within the unsecured limit of {limit_rp}.",
    ),
    "COLLATERAL_ITEM": (
        "{name} ({kind}): nilai {value_rp} × {recognition_pct}{factors} = diakui {recognised_rp}.",
        "{name} ({kind}): value {value_rp} × {recognition_pct}{factors} = recognised "
        "{recognised_rp}.",
    ),
    "COLLATERAL_UNVERIFIED": (
        "{name} belum diverifikasi: nilai pengakuannya hanya dihitung {factor_pct}.",
        "{name} is not verified: only {factor_pct} of its recognised value counts.",
    ),
    "COLLATERAL_VERIFICATION_UNKNOWN": (
        "Status verifikasi {name} tidak diisi: dihitung seperti belum diverifikasi ({factor_pct}).",
        "Verification of {name} is not stated: counted as unverified ({factor_pct}).",
    ),
    "COLLATERAL_TAX_UNPAID": (
        "Pajak {name} belum dibayar: nilai pengakuannya hanya dihitung {factor_pct}.",
        "Tax on {name} is unpaid: only {factor_pct} of its recognised value counts.",
    ),
    "COLLATERAL_UNKNOWN_CODE": (
        "Kode agunan {code} ({name}) tidak dikenal kebijakan: diakui konservatif "
        "{recognition_pct}.",
        "Collateral code {code} ({name}) is unknown to the policy: recognised "
        "conservatively at {recognition_pct}.",
    ),
    "COLLATERAL_VALUE_MISSING": (
        "Nilai {name} tidak diisi: tidak diperhitungkan.",
        "No value is given for {name}: it is not counted.",
    ),
    "COLLATERAL_BIND_HT": (
        "{name} diakui sebagai tanah/bangunan dengan Hak Tanggungan.",
        "{name} is recognised as land/buildings under Hak Tanggungan.",
    ),
    "COLLATERAL_BIND_FIDUCIA": (
        "{name} diakui sebagai kendaraan dengan jaminan fidusia.",
        "{name} is recognised as a vehicle under fiducia.",
    ),
    "COVERAGE_STRONG": (
        "Total nilai agunan yang diakui {recognised_rp}, menutup {coverage_pct} plafon yang "
        "diminta.",
        "Total recognised collateral {recognised_rp} covers {coverage_pct} of the requested "
        "amount.",
    ),
    "COVERAGE_ADEQUATE": (
        "Total nilai agunan yang diakui {recognised_rp}, menutup {coverage_pct} plafon yang "
        "diminta (syarat {required_pct}).",
        "Total recognised collateral {recognised_rp} covers {coverage_pct} of the requested "
        "amount (required {required_pct}).",
    ),
    "COVERAGE_SHORT": (
        "Total nilai agunan yang diakui {recognised_rp} hanya menutup {coverage_pct} plafon "
        "yang diminta, di bawah syarat {required_pct}.",
        "Total recognised collateral {recognised_rp} covers only {coverage_pct} of the "
        "requested amount, below the required {required_pct}.",
    ),
    # --- Condition -------------------------------------------------------------------
    "PURPOSE_PRODUCTIVE": (
        "Tujuan {purpose} (produktif): pinjaman menghasilkan arus kas untuk membayar.",
        "Purpose {purpose} (productive): the loan generates cash flow to repay it.",
    ),
    "PURPOSE_CONSUMPTIVE": (
        "Tujuan {purpose} (konsumtif): pembayaran sepenuhnya bergantung pada penghasilan yang ada.",
        "Purpose {purpose} (consumption): repayment rests entirely on existing income.",
    ),
    "PURPOSE_OTHER": (
        "Tujuan {purpose} (lainnya): bukan pinjaman produktif; pembayaran bergantung pada "
        "penghasilan yang ada.",
        "Purpose {purpose} (other): not a productive loan; repayment rests on existing income.",
    ),
    "PURPOSE_UNKNOWN": (
        "Tujuan pinjaman tidak diisi atau tidak dikenal{purpose}.",
        "The loan purpose is missing or not recognised{purpose}.",
    ),
    "INTEREST_WITHIN_CEILING": (
        "Bunga {rate_pct} per tahun ({method}), dalam batas maksimum {ceiling_pct} untuk koperasi.",
        "Interest {rate_pct} a year ({method}), within the cooperative ceiling of {ceiling_pct}.",
    ),
    "INTEREST_ABOVE_CEILING": (
        "Bunga {rate_pct} per tahun ({method}) melebihi batas maksimum {ceiling_pct} untuk "
        "koperasi (Permenkop UKM 8/2023).",
        "Interest {rate_pct} a year ({method}) exceeds the cooperative ceiling of "
        "{ceiling_pct} (Permenkop UKM 8/2023).",
    ),
    "TENOR_WITHIN_POLICY": (
        "Tenor {tenure_months} bulan, dalam batas {max_months} bulan untuk pinjaman {category}.",
        "Term {tenure_months} months, within the {max_months}-month limit for {category} loans.",
    ),
    "TENOR_ABOVE_POLICY": (
        "Tenor {tenure_months} bulan melebihi batas {max_months} bulan untuk pinjaman {category}.",
        "Term {tenure_months} months exceeds the {max_months}-month limit for {category} loans.",
    ),
    "PLAFON_TO_INCOME_OK": (
        "Plafon {plafon_rp} = {multiple_x} penghasilan setahun (batas {max_x}).",
        "The amount {plafon_rp} is {multiple_x} annual income (limit {max_x}).",
    ),
    "PLAFON_TO_INCOME_HIGH": (
        "Plafon {plafon_rp} = {multiple_x} penghasilan setahun, melebihi batas {max_x}.",
        "The amount {plafon_rp} is {multiple_x} annual income, above the limit of {max_x}.",
    ),
    "PLAFON_ABOVE_POLICY_MAX": (
        "Plafon yang diminta {plafon_rp} melebihi plafon maksimum kebijakan {max_rp}.",
        "The requested amount {plafon_rp} exceeds the policy maximum of {max_rp}.",
    ),
    # --- Decision --------------------------------------------------------------------
    "DECLINE_KNOCKOUT": (
        "Ditolak: memenuhi {count} syarat tolak otomatis kebijakan ({codes}).",
        "Declined: {count} of the policy's knock-out rules apply ({codes}).",
    ),
    "DECLINE_SCORE_LOW": (
        "Ditolak: skor keseluruhan {score}/100 (grade {grade}) di bawah batas {min_score}.",
        "Declined: the overall score {score}/100 (grade {grade}) is below {min_score}.",
    ),
    "DECLINE_BELOW_MIN_PLAFON": (
        "Ditolak: plafon terbesar yang layak {max_rp} di bawah plafon minimum {min_rp}.",
        "Declined: the largest sound amount {max_rp} is below the minimum of {min_rp}.",
    ),
    "APPROVE_AS_REQUESTED": (
        "Layak sesuai permohonan: {plafon_rp} selama {tenure_months} bulan, angsuran "
        "{instalment_rp} per bulan.",
        "Sound as requested: {plafon_rp} over {tenure_months} months, instalment "
        "{instalment_rp} a month.",
    ),
    "APPROVE_WITH_CONDITIONS": (
        "Layak dengan syarat: {plafon_rp} selama {tenure_months} bulan, angsuran "
        "{instalment_rp} per bulan.",
        "Sound with conditions: {plafon_rp} over {tenure_months} months, instalment "
        "{instalment_rp} a month.",
    ),
    "PLAFON_REDUCED": (
        "Plafon diturunkan dari {requested_rp} menjadi {plafon_rp}, dibatasi oleh {limit}.",
        "The amount is cut from {requested_rp} to {plafon_rp}, limited by {limit}.",
    ),
    "TENOR_EXTENDED": (
        "Tenor diperpanjang dari {requested_months} menjadi {tenure_months} bulan agar "
        "angsuran {instalment_rp} terjangkau (paling tinggi {affordable_rp}).",
        "The term is extended from {requested_months} to {tenure_months} months so that the "
        "instalment {instalment_rp} is affordable (at most {affordable_rp}).",
    ),
    "TENOR_CAPPED": (
        "Tenor dipersingkat dari {requested_months} menjadi {tenure_months} bulan, batas {limit}.",
        "The term is cut from {requested_months} to {tenure_months} months, the limit set by "
        "{limit}.",
    ),
    "GRADE_BELOW_APPROVAL": (
        "Skor keseluruhan {score}/100 (grade {grade}) di bawah grade {min_grade} untuk "
        "persetujuan tanpa syarat.",
        "The overall score {score}/100 (grade {grade}) is below grade {min_grade} needed for "
        "an outright approval.",
    ),
    # with a scorecard whose PD cut-offs decide (docs/scorecard.md)
    "DECLINE_PD_HIGH": (
        "Ditolak: probabilitas gagal bayar (PD) {pd_pd} (kelas risiko {band}, scorecard "
        "{scorecard}) di atas batas {max_pd}.",
        "Declined: the probability of default (PD) of {pd_pd} (risk band {band}, scorecard "
        "{scorecard}) is above the limit of {max_pd}.",
    ),
    "PD_ABOVE_APPROVAL": (
        "Probabilitas gagal bayar (PD) {pd_pd} (kelas risiko {band}) tidak di bawah {min_pd} "
        "untuk persetujuan tanpa syarat.",
        "The probability of default (PD) of {pd_pd} (risk band {band}) is not below the "
        "{min_pd} needed for an outright approval.",
    ),
}

QUALITY_MESSAGES: dict[str, tuple[str, str]] = {
    "DQ_RECOGNITION_VALUE_MISMATCH": (
        "Nilai pengakuan {name} {declared_rp} tidak sama dengan nilai {value_rp} × "
        "{recognition_pct} = {expected_rp}.",
        "The recognition value of {name}, {declared_rp}, is not its value {value_rp} × "
        "{recognition_pct} = {expected_rp}.",
    ),
    "DQ_VALUE_OUTSIDE_ESTIMATE": (
        "Nilai {name} {value_rp} di luar rentang taksiran {low_rp}–{high_rp}.",
        "The value of {name}, {value_rp}, is outside its estimated price {low_rp}–{high_rp}.",
    ),
    "DQ_VALUE_BELOW_ESTIMATE": (
        "Nilai {name} {value_rp} di bawah taksiran minimum {low_rp}.",
        "The value of {name}, {value_rp}, is below its minimum estimated price {low_rp}.",
    ),
    "DQ_RECOGNITION_ABOVE_POLICY": (
        "Persentase pengakuan {name} {recognition_pct} lebih tinggi dari kebijakan "
        "{policy_pct} untuk jenis agunan ini; yang dipakai {policy_pct}.",
        "The recognition percentage of {name}, {recognition_pct}, is above the policy's "
        "{policy_pct} for this kind of collateral; {policy_pct} is used.",
    ),
    "DQ_NIK_LENGTH": (
        "NIK berisi {length} digit; NIK yang sah 16 digit.",
        "The NIK has {length} digits; a valid NIK has 16.",
    ),
    "DQ_NIK_NOT_DIGITS": (
        "NIK mengandung karakter selain angka.",
        "The NIK contains characters other than digits.",
    ),
    "DQ_NIK_DATE_INVALID": (
        "Bagian tanggal lahir dalam NIK ({digits}) bukan tanggal yang sah.",
        "The birth-date part of the NIK ({digits}) is not a valid date.",
    ),
    "DQ_NIK_BIRTHDATE_MISMATCH": (
        "Tanggal lahir dalam NIK ({digits}) tidak sama dengan tanggal lahir {birth_date}.",
        "The birth date in the NIK ({digits}) differs from the date of birth {birth_date}.",
    ),
    "DQ_NIK_GENDER_MISMATCH": (
        "Kode jenis kelamin dalam NIK tidak sesuai dengan jenis kelamin tercatat ({gender}).",
        "The NIK's gender code does not match the recorded gender ({gender}).",
    ),
    "DQ_AGE_MISMATCH": (
        "Usia tercatat {age} tahun, tetapi menurut tanggal lahir {birth_date} usianya "
        "{computed_age} tahun; yang dipakai {computed_age} tahun.",
        "The stated age is {age}, but the date of birth {birth_date} gives {computed_age}; "
        "{computed_age} is used.",
    ),
    "DQ_BIRTH_IN_FUTURE": (
        "Tanggal lahir {birth_date} ada di masa depan.",
        "The date of birth {birth_date} lies in the future.",
    ),
    "DQ_MEMBER_DATE_FUTURE": (
        "Tanggal mulai keanggotaan {member_date} ada di masa depan.",
        "The membership start date {member_date} lies in the future.",
    ),
    "DQ_MEMBER_BEFORE_BIRTH": (
        "Tanggal mulai keanggotaan {member_date} sebelum tanggal lahir {birth_date}.",
        "The membership start date {member_date} is before the date of birth {birth_date}.",
    ),
    "DQ_KYC_NOT_DONE": (
        "KYC belum dilakukan: data identitas belum terverifikasi.",
        "KYC has not been done: the identity data are unverified.",
    ),
    "DQ_RANGE_REVERSED": (
        "Batas rentang terbalik; dibaca sebagai {low_rp}–{high_rp}.",
        "The range bounds are reversed; read as {low_rp}–{high_rp}.",
    ),
    "DQ_VALUE_MISSING": (
        "Nilai tidak diisi; baris ini tidak diperhitungkan.",
        "No value is given; this item is not counted.",
    ),
    "DQ_DUPLICATE_KEY": (
        "Kunci {key} muncul lebih dari sekali.",
        "The key {key} appears more than once.",
    ),
    "DQ_ACTIVE_EXCEEDS_TOTAL": (
        "Jumlah yang aktif ({active}) lebih besar dari jumlah seluruhnya ({total}).",
        "The active count ({active}) is larger than the total ({total}).",
    ),
    "DQ_BALANCE_EXCEEDS_TOTAL": (
        "Saldo yang aktif {active_rp} lebih besar dari saldo seluruhnya {total_rp}.",
        "The active balance {active_rp} is larger than the total balance {total_rp}.",
    ),
    "DQ_REMAINING_WITHOUT_ACTIVE": (
        "Ada sisa pinjaman {remaining_rp} tetapi tidak ada pinjaman aktif.",
        "There is an outstanding balance of {remaining_rp} but no active loan.",
    ),
    "DQ_ACTIVE_WITHOUT_REMAINING": (
        "Ada {active} pinjaman aktif tetapi sisa pinjamannya nol.",
        "There are {active} active loans but no outstanding balance.",
    ),
    "DQ_INTEREST_METHOD_MISMATCH": (
        'Kode metode bunga {code} tidak sesuai dengan labelnya "{label}"; yang dipakai '
        "{method} (menurut kode).",
        'Interest method code {code} disagrees with its label "{label}"; {method} (from '
        "the code) is used.",
    ),
    "DQ_INTEREST_METHOD_FROM_LABEL": (
        "Kode metode bunga tidak diisi atau tidak dikenal; dipakai {method} menurut label "
        '"{label}".',
        "The interest method code is missing or unknown; {method} is used from the label "
        '"{label}".',
    ),
    "DQ_INTEREST_METHOD_MISSING": (
        "Metode bunga tidak diisi; dipakai {method} (bawaan kebijakan).",
        "No interest method is given; {method} (the policy default) is used.",
    ),
    "DQ_EXPENSES_EXCEED_INCOME": (
        "Pengeluaran (batas bawah {expenses_low_rp}) lebih besar dari penghasilan (batas atas "
        "{income_high_rp}) di seluruh rentang.",
        "Expenses (low end {expenses_low_rp}) exceed income (high end {income_high_rp}) "
        "across the whole range.",
    ),
    "DQ_AGE_NOT_STATED": (
        "Usia tidak diisi; dihitung dari tanggal lahir.",
        "Age is not stated; it is computed from the date of birth.",
    ),
}

# What every disbursement secured by such collateral needs (standard documentation, not a
# condition that holds back an outright approval).
REQUIREMENTS: dict[str, str] = {
    "COLLATERAL_BIND_HT": "BIND_HAK_TANGGUNGAN",
    "COLLATERAL_BIND_FIDUCIA": "BIND_FIDUCIA",
}

# Which findings put a condition on an approval.
CONDITIONS: dict[str, str] = {
    "KYC_NOT_DONE": "COMPLETE_KYC",
    "KYC_UNKNOWN": "COMPLETE_KYC",
    "NIK_INVALID": "VERIFY_IDENTITY",
    "NIK_MISSING": "VERIFY_IDENTITY",
    "KOLEK_SPECIAL_MENTION": "SETTLE_ARREARS",
    "COLLATERAL_UNVERIFIED": "VERIFY_COLLATERAL",
    "COLLATERAL_VERIFICATION_UNKNOWN": "VERIFY_COLLATERAL",
    "COLLATERAL_TAX_UNPAID": "PAY_COLLATERAL_TAX",
    "INTEREST_ABOVE_CEILING": "LOWER_INTEREST",
    "MEMBERSHIP_SHORT": "GUARANTOR",
    "PLAFON_REDUCED": "ACCEPT_REDUCED_PLAFON",
    "TENOR_EXTENDED": "ACCEPT_ADJUSTED_TENOR",
    "TENOR_CAPPED": "ACCEPT_ADJUSTED_TENOR",
    "GRADE_BELOW_APPROVAL": "COMMITTEE_REVIEW",
    "PD_ABOVE_APPROVAL": "COMMITTEE_REVIEW_PD",
}

CONDITION_TEXT: dict[str, tuple[str, str]] = {
    "COMPLETE_KYC": (
        "Selesaikan KYC (verifikasi e-KTP dan data anggota) sebelum pencairan.",
        "Complete KYC (verify the e-KTP and member data) before disbursement.",
    ),
    "VERIFY_IDENTITY": (
        "Verifikasi NIK dengan e-KTP asli dan perbaiki data anggota.",
        "Verify the NIK against the original e-KTP and correct the member data.",
    ),
    "SETTLE_ARREARS": (
        "Selesaikan tunggakan pinjaman berjalan sebelum pencairan.",
        "Settle the arrears on current loans before disbursement.",
    ),
    "VERIFY_COLLATERAL": (
        "Verifikasi fisik dan dokumen agunan {name}.",
        "Verify the collateral {name} physically and on its documents.",
    ),
    "PAY_COLLATERAL_TAX": (
        "Pastikan pajak agunan {name} dilunasi.",
        "Make sure the tax on the collateral {name} is paid.",
    ),
    "BIND_HAK_TANGGUNGAN": (
        "Ikat {name} dengan Hak Tanggungan (APHT) sebelum pencairan.",
        "Bind {name} with Hak Tanggungan (APHT) before disbursement.",
    ),
    "BIND_FIDUCIA": (
        "Ikat {name} dengan jaminan fidusia dan simpan BPKB asli.",
        "Bind {name} under fiducia and hold the original BPKB.",
    ),
    "LOWER_INTEREST": (
        "Turunkan suku bunga ke paling tinggi {ceiling_pct} per tahun.",
        "Lower the interest rate to at most {ceiling_pct} a year.",
    ),
    "GUARANTOR": (
        "Minta penjamin atau rekomendasi pengurus karena keanggotaan masih baru.",
        "Ask for a guarantor or a board member's recommendation: the membership is new.",
    ),
    "CLARIFY_DATA": (
        "Klarifikasi {count} catatan kualitas data sebelum pencairan.",
        "Clarify the {count} data-quality notes before disbursement.",
    ),
    "COMMITTEE_REVIEW": (
        "Putusan komite kredit dengan memperhatikan temuan di atas (grade {grade}).",
        "A credit committee decision weighing the findings above (grade {grade}).",
    ),
    "COMMITTEE_REVIEW_PD": (
        "Putusan komite kredit dengan memperhatikan PD {pd_pd} dan atribut yang paling "
        "mengurangi poin scorecard.",
        "A credit committee decision weighing the PD of {pd_pd} and the attributes that cost "
        "the most scorecard points.",
    ),
    "ACCEPT_REDUCED_PLAFON": (
        "Anggota menyetujui plafon {plafon_rp}.",
        "The member accepts the amount of {plafon_rp}.",
    ),
    "ACCEPT_ADJUSTED_TENOR": (
        "Anggota menyetujui tenor {tenure_months} bulan.",
        "The member accepts a term of {tenure_months} months.",
    ),
}


def _plain(value: Any, lang: Lang) -> str:
    return str(value)


def _when_date(value: Any, lang: Lang) -> str:
    return text.long_date(value, lang) if isinstance(value, date) else str(value)


def _one_decimal(value: Any, lang: Lang) -> str:
    return text.number(value, lang, 1)


_BY_SUFFIX: tuple[tuple[str, Callable[[Any, Lang], str]], ...] = (
    ("_rp", text.rupiah),
    ("_pct", text.percent),
    ("_x", text.ratio),
    ("_pd", text.probability),
    ("_n1", _one_decimal),
    ("_date", _when_date),
)


@cache
def _formatter(name: str) -> Callable[[Any, Lang], str]:
    """How a parameter is written, decided once per parameter name by its suffix."""
    for suffix, fmt in _BY_SUFFIX:
        if name.endswith(suffix):
            return fmt
    return _plain


_Field = tuple[str, Callable[[Any, Lang], str], int]


@cache
def _compiled(
    words: str,
) -> tuple[tuple[str, ...], tuple[_Field, ...], tuple[tuple[int, int], ...]]:
    """A template split once into its parts: the literal texts (``{{``/``}}`` read as the
    braces they stand for), with a blank at each parameter; each parameter it names, with
    its formatter and the place it fills; and, for a name used twice, which place copies
    which. Filling these parts is much faster than ``str.format`` on the template."""
    parts: list[str] = []
    fields: list[_Field] = []
    first: dict[str, int] = {}
    copies: list[tuple[int, int]] = []
    for literal, name, spec, conversion in _FIELDS.parse(words):
        if literal:
            parts.append(literal)
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(f"a catalogue template names plain parameters only: {words!r}")
        if name in first:
            copies.append((first[name], len(parts)))
        else:
            first[name] = len(parts)
            fields.append((name, _formatter(name), len(parts)))
        parts.append("")
    return tuple(parts), tuple(fields), tuple(copies)


_FIELDS = Formatter()


def render(template: tuple[str, str], params: Mapping[str, Any], lang: Lang) -> str:
    """Fill a catalogue template with its parameters, each written for ``lang``."""
    words = template[0] if lang == "id" else template[1]
    if not params:
        return words
    parts, fields, copies = _compiled(words)
    out = list(parts)
    for name, fmt, place in fields:  # only the parameters these words use
        value = params[name]
        if isinstance(value, Text):
            out[place] = value.id if lang == "id" else value.en
        elif value is None:
            out[place] = "—"
        elif fmt is _plain:
            out[place] = value if type(value) is str else str(value)
        else:
            out[place] = fmt(value, lang)
    for source, place in copies:
        out[place] = out[source]
    return "".join(out)
