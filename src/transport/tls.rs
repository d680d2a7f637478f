//! Optional TLS on the vpcsim port, because tccli and several SDKs default to
//! https. tonic's own TLS offers only ALPN `h2`, which the HTTP/1.1 clients of
//! API 3.0 (Python's requests, under the SDK and tccli) cannot take, so vpcsim
//! runs its own rustls acceptor offering `h2` and `http/1.1`, shakes hands
//! off the accept loop, and hands tonic the finished streams.

use std::{
    io,
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use anyhow::{Context as _, anyhow};
use rustls::{
    RootCertStore, ServerConfig,
    client::{WebPkiServerVerifier, danger::ServerCertVerifier},
    crypto::CryptoProvider,
    pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime, pem::PemObject},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::TcpStream,
    task::JoinSet,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tokio_stream::Stream;
use tonic::transport::server::{Connected, TcpConnectInfo, TcpIncoming};

/// Where the server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// PEM files the user made (`--tls-cert`, `--tls-key`).
    Files { cert: PathBuf, key: PathBuf },
    /// A self-signed certificate kept in `dir` (`--tls-self-signed`), for
    /// [`DEFAULT_NAMES`] and `names` (`--tls-name`).
    SelfSigned { dir: PathBuf, names: Vec<String> },
}

/// The names every self-signed certificate covers: what a client on the
/// same machine dials.
pub const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// The self-signed certificate's file in its directory: what clients trust.
pub const CERT_FILE: &str = "cert.pem";
/// The self-signed certificate's private key in its directory (mode 0600).
pub const KEY_FILE: &str = "key.pem";
/// A client that has not finished its handshake by then is dropped, so that
/// a silent one holds nothing but its own task.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a client that speaks plain HTTP to the TLS port reads, instead of a
/// bare reset.
const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
Connection: close\r\nContent-Length: 67\r\n\r\n\
This vpcsim port serves TLS: call it with https:// (or gRPC + TLS)\n";

/// A rustls acceptor ready to serve, and the certificate file clients trust.
pub struct Tls {
    acceptor: TlsAcceptor,
    pub cert_path: PathBuf,
}

impl Tls {
    /// Loads the certificate and key, or writes (or reuses) the self-signed
    /// pair, and checks that they make a working server configuration.
    pub fn prepare(source: &TlsSource) -> anyhow::Result<Tls> {
        let (cert_path, key_path) = match source {
            TlsSource::Files { cert, key } => (cert.clone(), key.clone()),
            TlsSource::SelfSigned { dir, names } => self_signed(dir, names)?,
        };
        let config = server_config(&cert_path, &key_path)?;
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert_path,
        })
    }

    /// The TLS connections of `tcp`, each handed on once its handshake is done.
    pub fn incoming(&self, tcp: TcpIncoming) -> TlsIncoming {
        TlsIncoming {
            tcp,
            tcp_done: false,
            acceptor: self.acceptor.clone(),
            handshakes: JoinSet::new(),
        }
    }
}

/// ring: already what the rest of the build uses, and no C toolchain beyond it.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow!("reading the TLS certificate {}: {e}", path.display()))?;
    if certs.is_empty() {
        anyhow::bail!(
            "the TLS certificate {} holds no PEM CERTIFICATE block",
            path.display()
        );
    }
    Ok(certs)
}

fn read_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        anyhow!(
            "reading the TLS private key {}: {e} (a PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block is needed)",
            path.display()
        )
    })
}

/// A server configuration for the pair, offering HTTP/2 (gRPC) and
/// HTTP/1.1 (the SDKs and tccli) by ALPN.
fn server_config(cert_path: &Path, key_path: &Path) -> anyhow::Result<ServerConfig> {
    let certs = read_certs(cert_path)?;
    let key = read_key(key_path)?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("choosing TLS versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| {
            format!(
                "the TLS certificate {} and key {} do not make a pair",
                cert_path.display(),
                key_path.display()
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificate and key paths in `dir`, reused when they still make a
/// pair that a client would accept for every name (so that a client's
/// trust setting survives restarts), written afresh otherwise.
fn self_signed(dir: &Path, extra_names: &[String]) -> anyhow::Result<(PathBuf, PathBuf)> {
    let mut names: Vec<String> = DEFAULT_NAMES.map(String::from).to_vec();
    for name in extra_names {
        let name = name.trim();
        ServerName::try_from(name)
            .map_err(|_| anyhow!("--tls-name {name:?} is neither a DNS name nor an IP address"))?;
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if cert_path.exists() || key_path.exists() {
        match covers(&cert_path, &key_path, &names) {
            Ok(()) => {
                tracing::info!(cert = %cert_path.display(), "reusing the self-signed certificate");
                return Ok((cert_path, key_path));
            }
            Err(reason) => {
                tracing::info!(cert = %cert_path.display(), reason = %format!("{reason:#}"), "replacing the self-signed certificate");
            }
        }
    }
    let (cert_pem, key_pem) = generate(&names)?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the certificate directory {}", dir.display()))?;
    // The key first: a stop in between leaves a pair that does not match,
    // which the next start replaces.
    write_file(&key_path, key_pem.as_bytes(), false)?;
    write_file(&cert_path, cert_pem.as_bytes(), true)?;
    tracing::info!(cert = %cert_path.display(), names = %names.join(","), "wrote a self-signed certificate");
    Ok((cert_path, key_path))
}

/// Whether the pair loads and a client trusting the certificate would accept
/// it for each of `names`, today: the check rustls clients (tonic) make.
fn covers(cert_path: &Path, key_path: &Path, names: &[String]) -> anyhow::Result<()> {
    server_config(cert_path, key_path)?;
    let certs = read_certs(cert_path)?;
    let mut roots = RootCertStore::empty();
    roots.add(certs[0].clone())?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .context("building a verifier for the certificate")?;
    for name in names {
        let server_name = ServerName::try_from(name.as_str())?;
        verifier
            .verify_server_cert(&certs[0], &[], &server_name, &[], UnixTime::now())
            .map_err(|e| anyhow!("it is not valid for {name}: {e}"))?;
    }
    Ok(())
}

/// A self-signed leaf certificate and its key, in PEM. It is not a CA
/// (rustls clients refuse a CA certificate as a server's own), and has no
/// key-usage extension (OpenSSL then takes it as its own trust anchor).
fn generate(names: &[String]) -> anyhow::Result<(String, String)> {
    let mut params = rcgen::CertificateParams::new(names.to_vec())
        .context("making the self-signed certificate's names")?;
    let mut subject = rcgen::DistinguishedName::new();
    subject.push(rcgen::DnType::CommonName, "vpcsim self-signed");
    params.distinguished_name = subject;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().context("generating a TLS key")?;
    let cert = params
        .self_signed(&key)
        .context("signing the self-signed certificate")?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Writes `path` whole or not at all: through a temporary file (mode 0600)
/// renamed into place; `public` files are made readable by all.
fn write_file(path: &Path, contents: &[u8], public: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing in {}", dir.display()))?;
    file.write_all(contents)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    if public {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("setting the mode of {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = public;
    file.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The connections of a TCP listener after their TLS handshakes, which run in
/// their own tasks: a slow or broken client delays no one else. Dropping it
/// closes the listener and abandons the handshakes under way.
pub struct TlsIncoming {
    tcp: TcpIncoming,
    tcp_done: bool,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<TlsConnection>>,
}

impl Stream for TlsIncoming {
    type Item = io::Result<TlsConnection>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // Start a handshake for every connection waiting; accept errors go to
        // tonic, which handles them as it does without TLS.
        while !this.tcp_done {
            match Pin::new(&mut this.tcp).poll_next(cx) {
                Poll::Ready(Some(Ok(stream))) => {
                    this.handshakes
                        .spawn(handshake(this.acceptor.clone(), stream));
                }
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                Poll::Ready(None) => this.tcp_done = true,
                Poll::Pending => break,
            }
        }
        loop {
            match this.handshakes.poll_join_next(cx) {
                Poll::Ready(Some(Ok(Some(connection)))) => {
                    return Poll::Ready(Some(Ok(connection)));
                }
                // Failed (and logged), or the task panicked: next one.
                Poll::Ready(Some(_)) => continue,
                Poll::Ready(None) if this.tcp_done => return Poll::Ready(None),
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Why a connection ended before its handshake.
enum NoHandshake {
    /// Closed without a byte: a port probe.
    Silent,
    /// Plain text on the TLS port.
    PlainText,
}

/// One handshake, with a time limit. A client that sends plain text (an
/// http:// URL, a gRPC client without TLS) is told to use https instead.
async fn handshake(acceptor: TlsAcceptor, stream: TcpStream) -> Option<TlsConnection> {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "unknown".to_owned(), |a| a.to_string());
    let shake = async {
        // A TLS connection starts with a handshake record (type 22).
        let mut first = [0u8; 1];
        if stream.peek(&mut first).await? == 0 {
            return Ok(Err(NoHandshake::Silent));
        }
        if first[0] != 0x16 {
            let mut stream = stream;
            stream.write_all(PLAIN_HTTP_ANSWER).await?;
            stream.shutdown().await?;
            return Ok(Err(NoHandshake::PlainText));
        }
        acceptor.accept(stream).await.map(Ok)
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, shake).await {
        Ok(Ok(Ok(stream))) => Some(TlsConnection(stream)),
        Ok(Ok(Err(NoHandshake::PlainText))) => {
            tracing::warn!(%peer, "a client spoke plain text to the TLS port; told it to use https");
            None
        }
        Ok(Ok(Err(NoHandshake::Silent))) => {
            tracing::debug!(%peer, "connection closed before a TLS handshake");
            None
        }
        Ok(Err(err)) => {
            tracing::warn!(%peer, error = %err, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, timeout_secs = HANDSHAKE_TIMEOUT.as_secs(), "TLS handshake timed out");
            None
        }
    }
}

/// A TLS connection as tonic takes it: its connect info is the TCP one, so
/// `remote_addr` works as without TLS.
pub struct TlsConnection(TlsStream<TcpStream>);

impl Connected for TlsConnection {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.0.get_ref().0.connect_info()
    }
}

impl AsyncRead for TlsConnection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_self_signed_certificate_is_written_once_and_reused_while_it_covers_the_names() {
        let dir = tempfile::tempdir().unwrap();
        let certs = dir.path().join("certs");
        let (cert, key) = self_signed(&certs, &[]).unwrap();
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&cert), 0o644);
        let first = std::fs::read(&cert).unwrap();
        covers(
            &cert,
            &key,
            &["localhost".into(), "127.0.0.1".into(), "::1".into()],
        )
        .unwrap();
        assert!(covers(&cert, &key, &["example.test".into()]).is_err());

        self_signed(&certs, &[]).unwrap();
        assert_eq!(std::fs::read(&cert).unwrap(), first, "reused");
        // A name it does not cover: a new one, for every name.
        self_signed(&certs, &["vpcsim.test".into(), "10.1.2.3".into()]).unwrap();
        assert_ne!(std::fs::read(&cert).unwrap(), first);
        covers(
            &cert,
            &key,
            &["localhost".into(), "vpcsim.test".into(), "10.1.2.3".into()],
        )
        .unwrap();
        // A broken key: a new pair.
        std::fs::write(&key, "not a key").unwrap();
        self_signed(&certs, &[]).unwrap();
        server_config(&cert, &key).unwrap();
    }

    #[test]
    fn bad_names_and_files_are_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = self_signed(dir.path(), &["not a name!".into()]).unwrap_err();
        assert!(err.to_string().contains("not a name!"), "{err}");
        let missing = dir.path().join("missing.pem");
        let err = Tls::prepare(&TlsSource::Files {
            cert: missing.clone(),
            key: missing.clone(),
        })
        .err()
        .unwrap();
        assert!(
            format!("{err:#}").contains("missing.pem") && err.to_string().contains("certificate"),
            "{err:#}"
        );
        let (cert, _) = self_signed(dir.path(), &[]).unwrap();
        let other = tempfile::tempdir().unwrap();
        let (_, other_key) = self_signed(other.path(), &[]).unwrap();
        let err = Tls::prepare(&TlsSource::Files {
            cert,
            key: other_key,
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains("do not make a pair"), "{err:#}");
    }
}
