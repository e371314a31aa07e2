"""The password policy, for every place where a password is chosen (create-user, the change page).

A password must have at least 10 characters (at most 200), mix at least two kinds of
characters (lower-case letters, upper-case letters, digits, anything else), must not be or
contain the user name, and must not be one of the commonly used passwords below (compared
without regard to case). Each problem is reported in Chinese, with English after the slash
for the command line.
"""
from __future__ import annotations

from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 200

#: passwords at least 10 characters long that still head the leaked-password lists, in China as
#: elsewhere (compared lower-cased), and the demo password published in the README
COMMON = frozenset("""
0123456789 1234567890 12345678910 123456789a 123456789q a123456789 aa123456789 aa12345678
abc1234567 abc123456789 abcd123456 abcd1234567 1234567890a 1234567890q qwertyuiop qwertyuiop1
qwertyuiop123 1qaz2wsx3edc 1qaz@wsx3edc 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx1qaz 1qazxsw23edc
qazwsxedcrfv qweasdzxc123 qwe1234567 qwe123456789 zxcvbnm123 zxcvbnm1234 asdfghjkl1 asdfghjkl123
password12 password123 password1234 password123! passw0rd12 p@ssw0rd12 p@ssw0rd123 p@ssword123
admin12345 admin123456 admin@1234 admin@12345 admin@123456 administrator administrator1
root123456 root@12345 test123456 test@12345 test1234567 welcome123 welcome1234 welcome@123
letmein123 iloveyou12 iloveyou123 woaini1314 woaini520 woaini1314520 5201314520 wodemima123
huawei@123 huawei12345 changeme123 changeme1234 default123 qwerty12345 qwerty123456 abc@123456
abcd@123456 aa123456!! aa@123456 a1234567890 a12345678! demo-2025! dutylist123 dutylist2025
""".split())

_CLASSES = (("小写字母", str.islower), ("大写字母", str.isupper), ("数字", str.isdigit))


def _classes(password: str) -> set[str]:
    found = set()
    for ch in password:
        for name, test in _CLASSES:
            if ch.isascii() and test(ch):
                found.add(name)
                break
        else:
            found.add("其他字符")
    return found


def problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with the password under the policy ([] if nothing)."""
    out = []
    if len(password) < MIN_LENGTH:
        out.append(f"密码至少 {MIN_LENGTH} 位 / at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        out.append(f"密码不能超过 {MAX_LENGTH} 位 / at most {MAX_LENGTH} characters")
    if len(_classes(password)) < 2:
        out.append("密码须包含至少两类字符（小写字母、大写字母、数字、其他字符）"
                   " / mix at least two kinds of characters")
    name = (username or "").strip().lower()
    lowered = password.lower()
    if name and (lowered == name or (len(name) >= 4 and name in lowered)):
        out.append("密码不能是或包含用户名 / must not be or contain the user name")
    if lowered in COMMON:
        out.append("密码过于常见，请换一个 / too common a password")
    return out


def set_password(user, password: str) -> None:
    """Set a user's password with the configured hash (PASSWORD_HASH_METHOD: scrypt unless a test
    chooses a cheaper one); the user's other sessions end."""
    user.set_password(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
