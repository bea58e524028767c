"""RSA keys and a platform certificate generated in the test, in the PEM forms the providers hand out."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class KeyPair:
    private: rsa.RSAPrivateKey

    @property
    def private_pem(self) -> str:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    @property
    def public_pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def sign(self, message: str) -> str:
        """RSA-SHA256 PKCS#1 v1.5, base64: what WeChat Pay v3 and Alipay RSA2 both use."""
        return base64.b64encode(self.private.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    def verify(self, message: str, signature: str) -> bool:
        try:
            self.private.public_key().verify(
                base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:
            return False
        return True


def new_key() -> KeyPair:
    return KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def platform_certificate(key: KeyPair, serial: int) -> str:
    """A self-signed 'Tenpay.com Root CA'-style platform certificate; valid around the real now,
    because the SDK checks certificate validity against the machine's clock."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com test platform")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.private.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key.private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()
