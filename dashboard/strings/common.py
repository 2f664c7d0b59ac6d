STRINGS = {
    "app.title": (
        "HSSK Dashboard — Hồ sơ sức khỏe điện tử Hà Nội",
        "HSSK Dashboard — Hanoi electronic health records",
    ),
    "app.short_title": ("HSSK Hà Nội", "HSSK Hanoi"),
    "common.city": ("Toàn thành phố", "Whole city"),
    "common.district": ("Quận/huyện", "District"),
    "common.ward": ("Phường/xã", "Ward"),
    "common.facility": ("Cơ sở y tế", "Facility"),
    "common.residents": ("Dân số", "Residents"),
    "common.export_excel": ("Tải Excel", "Download Excel"),
    "common.all": ("Tất cả", "All"),  # an empty filter
    "common.choose": ("Chọn…", "Choose…"),
    "common.language": ("Ngôn ngữ", "Language"),
    "nav.home": ("Trang chủ", "Home"),
    "nav.section.general": ("Chung", "General"),
}
