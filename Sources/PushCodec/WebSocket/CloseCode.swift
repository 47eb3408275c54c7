/// A close status code (RFC 6455 §7.4).
public struct CloseCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let normal = CloseCode(rawValue: 1000)
    public static let goingAway = CloseCode(rawValue: 1001)
    public static let protocolError = CloseCode(rawValue: 1002)
    public static let unsupportedData = CloseCode(rawValue: 1003)
    /// Never sent on the wire: reported locally when a close frame had no code.
    public static let noStatusReceived = CloseCode(rawValue: 1005)
    /// Never sent on the wire: reported locally when the connection dropped without a close.
    public static let abnormalClosure = CloseCode(rawValue: 1006)
    public static let invalidPayload = CloseCode(rawValue: 1007)
    public static let policyViolation = CloseCode(rawValue: 1008)
    public static let messageTooBig = CloseCode(rawValue: 1009)
    public static let mandatoryExtension = CloseCode(rawValue: 1010)
    public static let internalError = CloseCode(rawValue: 1011)
    /// "Try Again Later" (IANA WebSocket close code registry): sent by this server when a
    /// request could not be served for lack of capacity; not accepted from peers (see below).
    public static let tryAgainLater = CloseCode(rawValue: 1013)

    /// Whether a peer may put `code` in a close frame.
    ///
    /// Follows RFC 6455 §7.4 as the Autobahn suite (cases 7.7.x / 7.9.x) checks it: the defined
    /// codes 1000-1003 and 1007-1011 plus the application/private range 3000-4999. 1004-1006 and
    /// 1015 are reserved or local-only; 1012-1014 and 1016-2999 are unassigned for this server.
    public static func isAllowedOnWire(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: true
        default: false
        }
    }
}
