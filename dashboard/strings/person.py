"""Personal-data card (masked by default, audited reveal)."""

STRINGS = {
    "person.not_available": (
        "Không có quyền xem thông tin cá nhân của người này.",
        "You may not see this person's personal data.",
    ),
    "person.reason": (
        "Lý do xem thông tin đầy đủ (bắt buộc, được ghi nhật ký)",
        "Reason to reveal (required, audited)",
    ),
    "person.reveal": ("Hiện thông tin đầy đủ", "Reveal"),
    "person.reason_required": ("Cần nhập lý do.", "A reason is required."),
    "person.revealed_note": (
        "Việc xem thông tin đầy đủ đã được ghi vào nhật ký hệ thống.",
        "This reveal has been recorded in the audit log.",
    ),
    "person.field": ("Thông tin", "Field"),
    "person.value": ("Giá trị", "Value"),
    "person.full_name": ("Họ tên", "Full name"),
    "person.cccd": ("Số CCCD", "Citizen ID"),
    "person.date_of_birth": ("Ngày sinh", "Date of birth"),
    "person.bhyt": ("Thẻ BHYT", "Health insurance card"),
    "person.address": ("Địa chỉ", "Address"),
}
