"""Vietnamese personal names for the synthetic city, sampled vectorised.

Faker's vi_VN pools are tiny (a city of 8.7 M people drawn from them is mostly namesakes) and put
the given name first, so the pools are curated here. Full names follow Vietnamese order:
family + middle (+ second middle) + given. Frequencies: family names from published surname
statistics; given names get a Zipf-like skew because a few names dominate every cohort.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import polars as pl

# (family name, share in %). The head matches published figures; the tail shares what is left.
_FAMILY_HEAD: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.0), ("Huỳnh", 1.0),
    ("Phan", 4.5), ("Vũ", 3.4), ("Võ", 0.5), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5),
)  # fmt: skip
_FAMILY_TAIL = (
    "Đào Đoàn Trịnh Đinh Lương Phùng Mai Tô Hà Tạ Cao Lưu Kiều Chu Đàm Trương Vương Lâm Quách "
    "Thái Khúc Lại Nghiêm Triệu Văn Tăng Hứa Mạc Kim Lã Từ Doãn Khuất Âu Bạch Giang Tống Nông La "
    "Cù Ông Lò Hầu Quan Thân Tiêu Ninh Lục Vi Đồng Khổng Biện Phương Chử Nhữ Mẫn Diệp"
).split()

_MIDDLE_MALE: tuple[tuple[str, float], ...] = (
    ("Văn", 30), ("Đức", 9), ("Minh", 8), ("Quang", 6), ("Hữu", 5), ("Thanh", 4), ("Hoàng", 4),
    ("Xuân", 3), ("Ngọc", 3), ("Đình", 4), ("Công", 3), ("Quốc", 3), ("Tuấn", 2), ("Anh", 2),
    ("Trung", 2), ("Mạnh", 2), ("Gia", 2), ("Bảo", 2), ("Hải", 2), ("Trọng", 2), ("Duy", 2),
    ("Thế", 2), ("Tiến", 1), ("Viết", 1), ("Khắc", 1), ("Phú", 1), ("Nhật", 1), ("Thành", 1),
    ("Huy", 1), ("Kim", 0.5), ("Bá", 1), ("Tất", 0.5), ("Hồng", 0.5), ("Chí", 1), ("Vĩnh", 0.5),
)  # fmt: skip
_MIDDLE_FEMALE: tuple[tuple[str, float], ...] = (
    ("Thị", 42), ("Thu", 5), ("Ngọc", 5), ("Thanh", 4), ("Minh", 3), ("Phương", 3), ("Thùy", 3),
    ("Hồng", 3), ("Kim", 2), ("Bích", 2), ("Mai", 2), ("Thúy", 2), ("Diệu", 1.5), ("Hoài", 1.5),
    ("Khánh", 2), ("Bảo", 2), ("Lan", 1), ("Quỳnh", 1.5), ("Hải", 1), ("Xuân", 1.5), ("Hương", 1),
    ("Tuyết", 1), ("Hà", 1), ("Vân", 1), ("Cẩm", 1), ("Thảo", 1), ("Như", 1), ("Tường", 0.5),
    ("Hoàng", 1), ("Yến", 0.5), ("Ánh", 0.5), ("Gia", 1), ("Trà", 0.5), ("Lệ", 0.5), ("Việt", 0.5),
)  # fmt: skip

# Given names (one syllable). Order matters: earlier entries get higher Zipf weight.
_GIVEN_MALE = """
Anh Minh Hùng Dũng Tuấn Nam Hải Long Sơn Đức Thắng Hoàng Huy Quang Trung Cường Tùng Hiếu Phong
Khánh Thành Việt Bình Tú Vinh Duy Hưng Toàn Mạnh Lâm Hòa Kiên Đạt Phúc Quân Khoa Bảo Thịnh
Tiến Hiệp Thái An Tâm Tài Quý Linh Chiến Nghĩa Công Trí Trường Thanh Khôi Lộc Hào Phương Giang
Hậu Định Nhân Tân Thông Thuận Tuân Lực Lợi Luân Kiệt Khải Khang Hiển Hiền Hà Đông Điệp Đăng
Danh Chính Châu Chung Cảnh Bách Ân Bằng Biên Bính Cao Chánh Chí Chinh Doanh Du Dương Đại Đạo
Điền Đoàn Đồng Được Gia Giáp Hãn Hảo Hoài Hoan Hoàn Hoạt Học Hội Hợp Huân Huấn Hướng Hữu
Huynh Kha Khanh Khiêm Khoát Khuê Khương Kim Lạc Lai Lân Lập Lễ Liêm Lĩnh Lương Lượng Mậu Năng
Ngân Nghị Ngọc Nguyên Nhật Nhất Ninh Phát Pháp Phi Phú Phụng Phước Quảng Quyết Quyền Quỳnh Sang
Sáng Sinh Sỹ Thạch Thạnh Thân Thiện Thọ Thức Thụy Tiệp Tín Tình Toản Toại Triết Triều Trọng
Trực Tuyên Tuyển Tư Tường Uy Vĩ Viên Vĩnh Vịnh Vũ Vương Vượng Xuân Yên Bắc Cần Chương Đảm
Đính Giới Hạ Khuyến Lịch Mừng Nhẫn Nhuận Phán Quế Sâm Sửu Thìn Thuyết Tiềm Tỉnh Tịnh Tới Tuệ
Ước Vận Viễn Vỹ Hoằng Hưởng Khắc Kỳ Lãm Mẫn Nhạc Phiên Sách Tạo Thiêm Đắc Đường Hạnh Hiệu
Hoán Khiển Lũy Nhâm Ngữ Oai Quyến Sử Tam Tấn Thiều Thiệp Thống Thuần Tính Tốn Tráng Trưởng
Tuyến Văn Vạn Vĩnh Vọng Chức Dư Đôn Hãn Hinh Khẩn Khởi Lãng Liệu Luyện Nhiệm Phấn Quát Quỹ
Sung Tập Thản Thăng Thế Thư Tiếp Tòng Trác Trình Trụ Tuyền Vàng Vĩ Xô Ý Chuyên Dậu Đích Hòe
""".split()

_GIVEN_FEMALE = """
Linh Hương Trang Hà Anh Lan Huyền Ngọc Thảo Mai Hằng Phương Thủy Nhung Hạnh Nga Hoa Yến Dung
Loan Quỳnh Vân Thu Hiền Trâm Nhi Vy Chi My Ly Hồng Thúy Diệp Oanh Giang Thanh Tâm Uyên Liên
Châu Duyên Hậu Hải Hân Huệ Hường Khánh Kim Liễu Lý Minh Mỹ Ngân Nguyệt Nhàn Như Phượng Quyên
Tuyết Thơ Thương Thùy Thư Tiên Trà Trinh Tú Xuân Ánh Bích Cúc Diệu Diễm Đào Điệp Gấm Hạ Hảo
Hiên Hòa Hoài Huế Khanh Khuê Kiều Lam Lộc Mận Nghi Nhã Nhạn Phúc Quế Sen Thắm Thục Thuận Tuyền
Ái Bảo Cầm Giao Khuyên Lệ Lụa Mơ Mừng Na Nương Ninh Sương Thoa Thêm Thơm Tươi Xoan Yên Bình
Châm Chung Đan Đông Hợi Hòe Huyên Lành Lâm Lựu Mùi Nụ Nhị Nhiên Sa Son Sâm Thuần Thuyên Tình
Trúc Tuyên Tư Tường Vui Xinh Bông Cẩm Lài Ngà Nguyên Phụng Tố Uyển Viên Ý Dạ Di Duệ Hoàn Khiết
Kỳ Lê Lưu Lương Mẫn Miên Mộng Ngát Nhu Phi Phước San Thi Thiên Thường Tịnh Trân Tuệ Xuyến Huyên
Hiếu Ân An Diệu Đoan Hiệp Hoan Kha Lợi Mến Nhuần Nở Quyến Thoan Thìn Trầm Vi Việt Thêu Chinh
Dịu Ngân Hoài Nhung Tuyết Hằng Quyên Thủy Lan Bạch Băng Cơ Dương Đài Hân Hiền Khải Khôi Lạc
Loan Mai Nhiệm Phấn Quý Tâm Thi Thoa Thùy Uyên Vinh Xuân Yến Hạnh Giáng Huê Lành Liễu Mỹ Nhàn
Phương Sinh Tạo Thạch Thái Thịnh Tiên Tới Trang Trí Uyển Vân Yên Bính Cát Diễm Đông Hoàng Hợp
""".split()

# Second middle name (family Thị Thu Hà, Nguyễn Minh Đức Anh …), drawn for a minority of people.
_MIDDLE2_MALE = "Minh Đức Quang Hoàng Anh Tuấn Thành Gia Bảo Hải Trung Xuân Hữu Ngọc Tiến".split()
_MIDDLE2_FEMALE = "Thu Ngọc Thanh Kim Minh Phương Thùy Bảo Khánh Hải Diệu Mai Hồng Lan Quỳnh".split()
SECOND_MIDDLE_SHARE = 0.25


def nfc(text: str) -> str:
    # U+00D0 (Icelandic eth) looks like Đ and leaks in from some name lists; Vietnamese is U+0110.
    return unicodedata.normalize("NFC", text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111"))


def strip_diacritics(text: str) -> str:
    """ "Nguyễn Văn Đức" → "Nguyen Van Duc" — what ASCII-only systems and hurried typists produce."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(nfc(name), None)
    return list(seen)


def _zipf(count: int, exponent: float = 0.9) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def _family_pool() -> tuple[list[str], np.ndarray]:
    head = [nfc(name) for name, _ in _FAMILY_HEAD]
    head_share = np.array([share for _, share in _FAMILY_HEAD])
    tail = [name for name in _unique(_FAMILY_TAIL) if name not in head]
    tail_share = _zipf(len(tail), 0.8) * (100.0 - head_share.sum())
    weights = np.concatenate([head_share, tail_share])
    return head + tail, weights / weights.sum()


def _weighted(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], np.ndarray]:
    names = [nfc(name) for name, _ in pairs]
    weights = np.array([weight for _, weight in pairs], dtype=float)
    return names, weights / weights.sum()


FAMILY_NAMES, FAMILY_WEIGHTS = _family_pool()
MIDDLE_MALE, MIDDLE_MALE_WEIGHTS = _weighted(_MIDDLE_MALE)
MIDDLE_FEMALE, MIDDLE_FEMALE_WEIGHTS = _weighted(_MIDDLE_FEMALE)
GIVEN_MALE = _unique(_GIVEN_MALE)
GIVEN_FEMALE = _unique(_GIVEN_FEMALE)
MIDDLE2_MALE = _unique(_MIDDLE2_MALE)
MIDDLE2_FEMALE = _unique(_MIDDLE2_FEMALE)


def draw_index(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # Inverse-CDF lookup: one uniform per person serves any pool, far cheaper than rng.choice(p=…).
    cdf = np.cumsum(weights)
    return np.minimum(np.searchsorted(cdf / cdf[-1], u, side="right"), weights.size - 1)


def _pick(
    rng: np.random.Generator,
    pool_m: list[str],
    w_m: np.ndarray | None,
    pool_f: list[str],
    w_f: np.ndarray | None,
    is_female: np.ndarray,
) -> pl.Series:
    """Draw per sex into one combined pool, then one gather: no Python loop per person."""
    combined = pl.Series(pool_m + pool_f, dtype=pl.String)
    w_m = _zipf(len(pool_m)) if w_m is None else w_m
    w_f = _zipf(len(pool_f)) if w_f is None else w_f
    u = rng.random(is_female.size)
    idx = np.where(is_female, draw_index(u, w_f) + len(pool_m), draw_index(u, w_m))
    return combined.gather(idx)


def sample_full_names(rng: np.random.Generator, is_female: np.ndarray) -> pl.Series:
    """One NFC full name per person ("Trần Thị Thu Hạnh"), sex-appropriate middle and given names."""
    n = is_female.size
    family = pl.Series(FAMILY_NAMES).gather(draw_index(rng.random(n), FAMILY_WEIGHTS))
    middle = _pick(rng, MIDDLE_MALE, MIDDLE_MALE_WEIGHTS, MIDDLE_FEMALE, MIDDLE_FEMALE_WEIGHTS, is_female)
    middle2 = _pick(rng, MIDDLE2_MALE, None, MIDDLE2_FEMALE, None, is_female)
    has_middle2 = rng.random(n) < SECOND_MIDDLE_SHARE
    given = _pick(rng, GIVEN_MALE, None, GIVEN_FEMALE, None, is_female)
    frame = pl.DataFrame({"f": family, "m": middle, "m2": middle2, "g": given, "two": has_middle2})
    # A second middle equal to the given name ("Minh Minh") reads wrong; drop it in that case.
    keep2 = (
        pl.col("two") & (pl.col("m2") != pl.col("g")) & (pl.col("m2") != pl.col("m")) & (pl.col("m") != "Văn")
    )
    return frame.select(
        pl.when(keep2)
        .then(pl.concat_str(["f", "m", "m2", "g"], separator=" "))
        .otherwise(pl.concat_str(["f", "m", "g"], separator=" "))
        .alias("full_name")
    ).to_series()
