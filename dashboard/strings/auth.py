"""Sign-in, password change, roles, home page."""

STRINGS = {
    "auth.login.title": ("Đăng nhập", "Sign in"),
    "auth.login.username": ("Tên đăng nhập", "Username"),
    "auth.login.password": ("Mật khẩu", "Password"),
    "auth.login.submit": ("Đăng nhập", "Sign in"),
    "auth.logout": ("Đăng xuất", "Sign out"),
    "auth.session_ended": (
        "Phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại.",
        "Your session has ended. Please sign in again.",
    ),
    "auth.outcome.invalid": (
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    ),
    "auth.outcome.disabled": (
        "Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên.",
        "This account is disabled. Please contact your administrator.",
    ),
    "auth.outcome.temp_expired": (
        "Mật khẩu tạm thời đã hết hạn. Vui lòng đề nghị quản trị viên cấp lại mật khẩu.",
        "The temporary password has expired. Ask your administrator for a new one.",
    ),
    "auth.outcome.user_limited": (
        "Đăng nhập sai quá nhiều lần. Tài khoản tạm thời bị chặn đăng nhập, vui lòng thử lại sau {minutes} phút.",
        "Too many failed sign-ins. Sign-in is blocked for this account; try again in {minutes} minutes.",
    ),
    "auth.outcome.global_limited": (
        "Hệ thống đang tạm ngừng nhận đăng nhập do có quá nhiều lần đăng nhập sai. Vui lòng thử lại sau {minutes} phút.",
        "Sign-in is paused because of too many failed attempts. Try again in {minutes} minutes.",
    ),
    "auth.oidc.button": (
        "Đăng nhập bằng tài khoản định danh của Sở",
        "Sign in with the department's identity provider",
    ),
    "auth.oidc.no_account": (
        "Tài khoản định danh này chưa được gắn với tài khoản nào trên hệ thống. Vui lòng liên hệ quản trị viên.",
        "This identity is not linked to an account here. Please contact your administrator.",
    ),
    "auth.change.forced_title": ("Đổi mật khẩu lần đầu", "Change your password"),
    "auth.change.forced_intro": (
        "Bạn đang dùng mật khẩu tạm thời. Vui lòng đặt mật khẩu mới trước khi sử dụng hệ thống.",
        "You signed in with a temporary password. Please choose a new password to continue.",
    ),
    "auth.change.title": ("Đổi mật khẩu", "Change password"),
    "auth.change.current": ("Mật khẩu hiện tại", "Current password"),
    "auth.change.new": ("Mật khẩu mới", "New password"),
    "auth.change.repeat": ("Nhập lại mật khẩu mới", "Repeat the new password"),
    "auth.change.submit": ("Đổi mật khẩu", "Change password"),
    "auth.change.mismatch": ("Hai lần nhập mật khẩu mới không khớp.", "The two new passwords differ."),
    "auth.change.wrong_current": ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
    "auth.change.done": ("Đã đổi mật khẩu.", "Password changed."),
    "auth.policy.summary": (
        "Mật khẩu cần ít nhất 10 ký tự, có cả chữ và số, không chứa tên đăng nhập hay họ tên, không phải mật khẩu phổ biến. Nên dùng một câu dễ nhớ.",
        "At least 10 characters with letters and digits, not containing your username or name, not a common password. A memorable phrase works well.",
    ),
    "auth.policy.length": (
        "Mật khẩu phải có ít nhất 10 ký tự.",
        "The password needs at least 10 characters.",
    ),
    "auth.policy.too_long": (
        "Mật khẩu quá dài (tối đa 72 byte).",
        "The password is too long (72 bytes at most).",
    ),
    "auth.policy.letters_digits": (
        "Mật khẩu phải có cả chữ và số.",
        "The password needs both letters and digits.",
    ),
    "auth.policy.identity": (
        "Mật khẩu không được chứa tên đăng nhập hoặc họ tên.",
        "The password must not contain your username or name.",
    ),
    "auth.policy.common": ("Mật khẩu quá phổ biến, dễ đoán.", "This password is too common."),
    "auth.policy.same": (
        "Mật khẩu mới phải khác mật khẩu hiện tại.",
        "The new password must differ from the current one.",
    ),
    "role.leadership": ("Lãnh đạo Sở Y tế", "City leadership"),
    "role.city_admin": ("Quản trị hệ thống (Sở Y tế)", "City administrator"),
    "role.district_manager": ("Quản lý TTYT quận/huyện", "District manager"),
    "role.facility_user": ("Cán bộ cơ sở y tế", "Facility user"),
    "role.inspector": ("Thanh tra / giám sát", "Inspector"),
    "home.welcome": ("Xin chào, {name}", "Welcome, {name}"),
    "home.role": ("Vai trò", "Role"),
    "home.scope": ("Phạm vi dữ liệu", "Data scope"),
    "home.scope_city": ("Toàn thành phố Hà Nội", "The whole of Hà Nội"),
    "home.scope_none": ("Chưa được phân quyền dữ liệu nào.", "No data scope assigned yet."),
    "home.aggregates_only": (
        "Vai trò của bạn xem số liệu tổng hợp, không xem thông tin cá nhân.",
        "Your role sees aggregates, not personal data.",
    ),
    "home.session_until": ("Phiên đăng nhập hết hạn lúc {time}", "Session expires at {time}"),
    "nav.denied": (
        "Bạn không có quyền truy cập trang này.",
        "You do not have access to this page.",
    ),
    "nav.section.admin": ("Quản trị", "Administration"),
    "nav.accounts": ("Tài khoản", "Accounts"),
    "nav.audit": ("Nhật ký hệ thống", "Audit log"),
}
