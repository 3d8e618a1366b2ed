import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core, and the peer's address (login attempts are counted by it).
public struct GatewayContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address, or "unknown" (a test client without a socket).
    var peerAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
