/// Told about the calls and connections of a server, for metrics.
///
/// Every method is called on an event-loop thread, in the middle of frame
/// handling: implementations must be cheap, must not block and must not
/// allocate on the steady path (pre-create or cache whatever they record
/// into). The server calls nothing when no observer is configured.
public protocol ServerObserver: Sendable {
    /// A call whose handler started has ended: its RESPONSE was written, its
    /// deadline expired, or the client cancelled it.
    ///
    /// - Parameters:
    ///   - method: the registered method (its `path` is a stable label).
    ///   - code: the status sent, `.deadlineExceeded` for an expired deadline,
    ///     `.cancelled` for a client CANCEL.
    ///   - duration: from the REQUEST being dispatched to the end.
    func callFinished(method: MethodDescriptor, code: StatusCode, duration: Duration)

    /// A REQUEST was refused before any handler ran (unknown method, size or
    /// concurrency limit, draining, malformed head or message).
    func callRefused(code: StatusCode)

    /// A connection was accepted within the connection limit.
    func connectionOpened()

    /// A connection counted by ``connectionOpened()`` closed.
    func connectionClosed()

    /// A call's credentials were missing or invalid (``ConnectionAuthentication/failed()``).
    func authenticationFailed()

    /// A call was refused before its credentials were checked because its
    /// peer address is over the failed-authentication limit.
    func authenticationLimited()

    /// A connection got GOAWAY for too many failed authentications.
    func connectionClosedForAuthenticationFailures()

    /// The TLS certificate was loaded, at start or by ``RPCServer/reloadTLS()``.
    func tlsCertificateLoaded(_ certificate: ServerCertificateSummary)

    /// ``RPCServer/reloadTLS()`` failed; the previous certificate stays.
    func tlsCertificateReloadFailed()
}

extension ServerObserver {
    public func callRefused(code: StatusCode) {}
    public func connectionOpened() {}
    public func connectionClosed() {}
    public func authenticationFailed() {}
    public func authenticationLimited() {}
    public func connectionClosedForAuthenticationFailures() {}
    public func tlsCertificateLoaded(_ certificate: ServerCertificateSummary) {}
    public func tlsCertificateReloadFailed() {}
}
