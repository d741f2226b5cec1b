package org.newswatch.localsearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.join.ParentJoinPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.percolator.PercolatorPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts a single-node OpenSearch cluster for local development and CI.
 *
 * <pre>
 * java -cp ... org.newswatch.localsearch.LocalSearch [--port N] [--home DIR]
 *     [--node-name NAME --transport-port N --seed-hosts H:P,... --initial-managers NAME,...]
 *     [-Ekey=value ...]
 * </pre>
 *
 * <ul>
 *   <li>{@code --port} (default: env NEWSWATCH_ENGINE_PORT, else 9200) is the HTTP port;
 *       the transport layer binds the first free port of [port+100, port+199].</li>
 *   <li>{@code --home} (default: env NEWSWATCH_ENGINE_HOME, else ./.state) holds
 *       config/, data/ and logs/.</li>
 *   <li>{@code --seed-hosts} makes the node one of a cluster on loopback instead of a
 *       single-node cluster: it finds the others at those transport addresses, binds
 *       exactly {@code --transport-port}, and {@code --initial-managers} names the
 *       nodes that bootstrap the cluster the first time.</li>
 *   <li>{@code -Ekey=value} adds or overrides any node setting.</li>
 * </ul>
 *
 * The node is closed on SIGTERM/SIGINT through a JVM shutdown hook.
 */
public final class LocalSearch {

    /** Modules a stock OpenSearch distribution would load, plus our Nori plugin. */
    static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class,
        CommonAnalysisPlugin.class,
        PainlessPlugin.class,
        PercolatorPlugin.class,
        MapperExtrasPlugin.class,
        ReindexPlugin.class,
        ParentJoinPlugin.class,
        NoriAnalysisPlugin.class
    );

    private LocalSearch() {}

    public static void main(String[] args) throws Exception {
        // Keep log4j alive until our own shutdown hook has closed the node,
        // and keep it away from JMX (as the OpenSearch launcher does).
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");

        int port = parsePort(System.getenv("NEWSWATCH_ENGINE_PORT"), 9200);
        String homeArg = System.getenv("NEWSWATCH_ENGINE_HOME");
        Settings.Builder extra = Settings.builder();
        String nodeName = "newswatch-local-node";
        String transportPort = null;
        String seedHosts = null;
        String initialManagers = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--port") && i + 1 < args.length) {
                port = parsePort(args[++i], port);
            } else if (a.startsWith("--port=")) {
                port = parsePort(a.substring("--port=".length()), port);
            } else if (a.equals("--home") && i + 1 < args.length) {
                homeArg = args[++i];
            } else if (a.startsWith("--home=")) {
                homeArg = a.substring("--home=".length());
            } else if (a.equals("--node-name") && i + 1 < args.length) {
                nodeName = args[++i];
            } else if (a.equals("--transport-port") && i + 1 < args.length) {
                transportPort = Integer.toString(parsePort(args[++i], 0));
            } else if (a.equals("--seed-hosts") && i + 1 < args.length) {
                seedHosts = args[++i];
            } else if (a.equals("--initial-managers") && i + 1 < args.length) {
                initialManagers = args[++i];
            } else if (a.startsWith("-E") && a.indexOf('=') > 2) {
                int eq = a.indexOf('=');
                extra.put(a.substring(2, eq), a.substring(eq + 1));
            } else {
                System.err.println("usage: LocalSearch [--port N] [--home DIR] [-Ekey=value ...]; unknown argument: " + a);
                System.exit(2);
            }
        }
        Path home = Paths.get(homeArg == null || homeArg.isEmpty() ? ".state" : homeArg).toAbsolutePath().normalize();
        Path config = home.resolve("config");
        Path data = home.resolve("data");
        Path logs = home.resolve("logs");
        Files.createDirectories(config);
        Files.createDirectories(data);
        Files.createDirectories(logs);
        installLoggingConfig(config);

        int transportLow = port + 100;
        boolean singleNode = seedHosts == null;
        Settings.Builder discovery = Settings.builder();
        if (singleNode) {
            discovery.put("discovery.type", "single-node")
                .put("transport.port", transportLow + "-" + (transportLow + 99));
        } else {
            // Fixed transport ports: the other nodes find this one at exactly that address.
            discovery.putList("discovery.seed_hosts", seedHosts.split(","))
                .put("transport.port", transportPort == null ? Integer.toString(transportLow) : transportPort);
            if (initialManagers != null) {
                discovery.putList("cluster.initial_cluster_manager_nodes", initialManagers.split(","));
            }
        }
        Settings settings = Settings.builder()
            .put("cluster.name", "newswatch-local")
            .put("node.name", nodeName)
            .put("path.home", home.toString())
            .put("path.data", data.toString())
            .put("path.logs", logs.toString())
            .put(discovery.build())
            .put("network.host", "127.0.0.1")
            .put("http.port", Integer.toString(port))
            // Work on a nearly full disk: never block writes because of watermarks.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            .put("bootstrap.memory_lock", false)
            .put(extra.build())
            .build();

        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), config, () -> settings.get("node.name"));
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(settings.get("node.name"));
        LogConfigurator.configure(environment);

        LocalSearchNode node = new LocalSearchNode(environment, PLUGINS);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[newswatch] shutdown requested, closing node");
            try {
                node.close();
                if (!node.awaitClose(30, TimeUnit.SECONDS)) {
                    System.out.println("[newswatch] node did not close within 30s");
                }
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
                System.out.println("[newswatch] node closed");
                System.out.flush();
            }
        }, "newswatch-shutdown"));

        try {
            node.start();
        } catch (Exception e) {
            e.printStackTrace();
            try {
                node.close();
            } catch (Exception ignored) {
                // best effort
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            System.out.println("[newswatch] node failed to start: " + e + (root == e ? "" : "; root cause: " + root));
            System.out.flush();
            // Halt rather than exit: the shutdown hook would wait on a half-started node.
            Runtime.getRuntime().halt(1);
        }
        if (singleNode) {
            // A cluster of several nodes keeps the engine's default (1 replica).
            defaultToNoReplicas(node);
        }
        // engine.sh waits for this line (after the setting above) as well as for health.
        System.out.println(String.format(Locale.ROOT,
            "[newswatch] OpenSearch node started: http://127.0.0.1:%d (home %s)", port, home));
        closed.await();
    }

    /**
     * One node can never host replicas, so new indices default to 0 replicas
     * (green health). cluster.default_number_of_replicas is read from the
     * cluster metadata, not from node settings, hence a persistent cluster
     * setting; it is only written when absent, so a value set by hand stays.
     */
    private static void defaultToNoReplicas(LocalSearchNode node) {
        String key = "cluster.default_number_of_replicas";
        try {
            Settings persistent = node.client().admin().cluster().prepareState().clear().setMetadata(true)
                .get(TimeValue.timeValueSeconds(60)).getState().metadata().persistentSettings();
            if (persistent.get(key) == null) {
                node.client().admin().cluster().prepareUpdateSettings()
                    .setPersistentSettings(Settings.builder().put(key, 0).build())
                    .get(TimeValue.timeValueSeconds(60));
            }
        } catch (Exception e) {
            System.out.println("[newswatch] could not set " + key + "=0: " + e);
        }
    }

    private static int parsePort(String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int p = Integer.parseInt(value.trim());
            if (p > 0 && p < 65436) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new IllegalArgumentException("invalid port: " + value);
    }

    /** OpenSearch's LogConfigurator reads log4j2*.properties from the config dir. */
    private static void installLoggingConfig(Path config) throws IOException {
        try (InputStream in = LocalSearch.class.getResourceAsStream("/log4j2.properties")) {
            if (in == null) {
                throw new IOException("log4j2.properties missing from the classpath");
            }
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
