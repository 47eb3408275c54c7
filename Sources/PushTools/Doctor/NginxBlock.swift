import PushTransport
/// The nginx `location` block that forwards the browser's WebSocket to wamp-push. One block,
/// one source of truth: doctor prints it, Docs/deployment.md shows it (a test checks the two
/// are identical) and the end-to-end suite runs it in a real nginx.
public enum NginxBlock {
    /// The block for wamp-push's plain listener on `127.0.0.1:8080`.
    public static let text = """
        location /wss {
            proxy_pass http://127.0.0.1:8080;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
        }
        """
}
