package community.searchengine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch in this JVM: {@code SearchEngine <http-port> <home-dir>}.
 *
 * <p>The modules a distribution loads from its modules/ folder are here on the classpath, so the
 * node is given their plugin classes (the constructor that takes them is protected, hence the
 * subclass). Listens on 127.0.0.1 only; the process stops the node on SIGTERM/SIGINT.
 */
public final class SearchEngine {

    private static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment environment) {
            super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class), true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SearchEngine <http-port> <home-dir>");
            System.exit(2);
        }
        Path home = Path.of(args[1]).toAbsolutePath();
        for (String folder : List.of("config", "data", "logs", "plugins", "modules")) {
            Files.createDirectories(home.resolve(folder));
        }
        Settings settings = Settings.builder()
            .put("cluster.name", "community-search")
            .put("node.name", "search-engine")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", args[0])
            .put("discovery.type", "single-node")
            // A test machine's disk may be fuller than the watermarks allow: never refuse writes.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        Environment environment =
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> "search-engine");
        Node node = new EmbeddedNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception error) {
                error.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "search-engine-stop"));
        node.start();
        System.out.println("search engine listening on http://127.0.0.1:" + args[0]);
        stopped.await();
    }
}
