"""Access codes are stored as keyed digests: they verify quickly, only under the server's
key (or a fallback key after rotation), and codes stored as password hashes still verify."""

import pytest
from django.contrib.auth.hashers import make_password
from hypothesis import given, settings
from hypothesis import strategies as st

from disputes.access_codes import access_code_hash, access_code_matches
from disputes.services.intake import ACCESS_CODE_ALPHABET, new_access_code

codes = st.text(alphabet=ACCESS_CODE_ALPHABET, min_size=8, max_size=8)


@settings(max_examples=200)
@given(code=codes, other=codes)
def test_a_code_matches_its_hash_and_no_other(code, other):
    encoded = access_code_hash(code)
    assert code not in encoded
    assert access_code_matches(code, encoded)
    assert access_code_matches(other, encoded) == (other == code)


def test_the_same_code_hashes_differently_per_case():
    code = new_access_code()
    assert access_code_hash(code) != access_code_hash(code)


def test_no_hash_never_matches():
    assert not access_code_matches("", None)
    assert not access_code_matches("23456789", None)
    assert not access_code_matches("23456789", "")


def test_a_hash_made_under_another_key_fails_unless_it_is_a_fallback(settings):
    code = new_access_code()
    settings.SECRET_KEY = "old-key"
    encoded = access_code_hash(code)
    settings.SECRET_KEY = "new-key"
    assert not access_code_matches(code, encoded)
    settings.SECRET_KEY_FALLBACKS = ["old-key"]
    assert access_code_matches(code, encoded)


@pytest.mark.parametrize("hasher", ["md5", "pbkdf2_sha256"])
def test_codes_stored_as_password_hashes_still_verify(hasher, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    encoded = make_password("K7M2Q9PX", hasher=hasher)
    assert access_code_matches("K7M2Q9PX", encoded)
    assert not access_code_matches("K7M2Q9PY", encoded)
