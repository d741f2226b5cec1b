package org.newswatch.localsearch;

import java.util.Collection;

import org.opensearch.env.Environment;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * An OpenSearch node whose modules and plugins are plain classes on the JVM
 * classpath instead of directories under modules/ and plugins/.
 *
 * <p>{@link Node} only exposes the "classpath plugins" constructor to
 * subclasses (the test framework uses it the same way), hence this class.
 */
final class LocalSearchNode extends Node {

    LocalSearchNode(Environment environment, Collection<Class<? extends Plugin>> classpathPlugins) {
        // true: forbid private index settings, as a production node does.
        super(environment, classpathPlugins, true);
    }
}
