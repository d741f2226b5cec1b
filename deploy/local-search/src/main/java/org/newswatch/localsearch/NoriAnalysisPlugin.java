package org.newswatch.localsearch;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ko.KoreanAnalyzer;
import org.apache.lucene.analysis.ko.KoreanNumberFilter;
import org.apache.lucene.analysis.ko.KoreanPartOfSpeechStopFilter;
import org.apache.lucene.analysis.ko.KoreanReadingFormFilter;
import org.apache.lucene.analysis.ko.KoreanTokenizer;
import org.apache.lucene.analysis.ko.POS;
import org.apache.lucene.analysis.ko.dict.UserDictionary;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.opensearch.index.analysis.AbstractTokenFilterFactory;
import org.opensearch.index.analysis.AbstractTokenizerFactory;
import org.opensearch.index.analysis.Analysis;
import org.opensearch.index.analysis.AnalyzerProvider;
import org.opensearch.index.analysis.TokenFilterFactory;
import org.opensearch.index.analysis.TokenizerFactory;
import org.opensearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.Plugin;

/**
 * Korean (Nori) analysis for the local node.
 *
 * <p>OpenSearch's own analysis-nori plugin is not published to Maven Central
 * (neither as jar nor as zip), so this plugin registers the same public names
 * on top of Lucene's {@code lucene-analysis-nori}:
 *
 * <ul>
 *   <li>tokenizer {@code nori_tokenizer}: {@code decompound_mode} (none|discard|mixed,
 *       default discard), {@code discard_punctuation} (default true),
 *       {@code output_unknown_unigrams} (default false), and either
 *       {@code user_dictionary_rules} (inline list) or {@code user_dictionary}
 *       (file relative to the config dir);</li>
 *   <li>token filters {@code nori_part_of_speech} ({@code stoptags}),
 *       {@code nori_readingform}, {@code nori_number};</li>
 *   <li>analyzer {@code nori} (tokenizer settings plus {@code stoptags}).</li>
 * </ul>
 */
public final class NoriAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("nori_tokenizer", NoriTokenizerFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> filters = new LinkedHashMap<>();
        filters.put("nori_part_of_speech", PartOfSpeechFilterFactory::new);
        filters.put("nori_readingform", (indexSettings, env, name, settings) ->
            new SimpleFilterFactory(indexSettings, name, settings, KoreanReadingFormFilter::new));
        filters.put("nori_number", (indexSettings, env, name, settings) ->
            new SimpleFilterFactory(indexSettings, name, settings, KoreanNumberFilter::new));
        return filters;
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends org.apache.lucene.analysis.Analyzer>>> getAnalyzers() {
        return Map.of("nori", NoriAnalyzerProvider::new);
    }

    // ---------------------------------------------------------------- settings

    static KoreanTokenizer.DecompoundMode decompoundMode(Settings settings) {
        String value = settings.get("decompound_mode");
        if (value == null || value.isBlank()) {
            return KoreanTokenizer.DEFAULT_DECOMPOUND;
        }
        try {
            return KoreanTokenizer.DecompoundMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "[decompound_mode] must be one of none, discard, mixed; got [" + value + "]");
        }
    }

    static UserDictionary userDictionary(Environment env, Settings settings) {
        List<String> rules = settings.getAsList("user_dictionary_rules", List.of());
        String file = settings.get("user_dictionary");
        if (file != null && !rules.isEmpty()) {
            throw new IllegalArgumentException(
                "set either [user_dictionary] or [user_dictionary_rules], not both");
        }
        try {
            if (file != null) {
                try (Reader reader = Analysis.getReaderFromFile(env, settings, "user_dictionary")) {
                    return reader == null ? null : UserDictionary.open(reader);
                }
            }
            if (rules.isEmpty()) {
                return null;
            }
            // Lucene's dictionary builder rejects repeated surface forms: keep the first one.
            Map<String, String> bySurface = new LinkedHashMap<>();
            for (String rule : rules) {
                String trimmed = rule.trim();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                bySurface.putIfAbsent(trimmed.split("\\s+", 2)[0], trimmed);
            }
            if (bySurface.isEmpty()) {
                return null;
            }
            return UserDictionary.open(new StringReader(String.join("\n", bySurface.values())));
        } catch (IOException e) {
            throw new UncheckedIOException("failed to load nori user dictionary", e);
        }
    }

    static Set<POS.Tag> stopTags(Settings settings) {
        List<String> tags = settings.getAsList("stoptags", null);
        if (tags == null) {
            return KoreanPartOfSpeechStopFilter.DEFAULT_STOP_TAGS;
        }
        return tags.stream()
            .map(String::trim)
            .filter(t -> !t.isEmpty())
            .map(t -> POS.resolveTag(t.toUpperCase(Locale.ROOT)))
            .collect(Collectors.toUnmodifiableSet());
    }

    // --------------------------------------------------------------- factories

    static final class NoriTokenizerFactory extends AbstractTokenizerFactory {
        private final UserDictionary userDictionary;
        private final KoreanTokenizer.DecompoundMode mode;
        private final boolean discardPunctuation;
        private final boolean outputUnknownUnigrams;

        NoriTokenizerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, settings, name);
            this.userDictionary = userDictionary(env, settings);
            this.mode = decompoundMode(settings);
            this.discardPunctuation = settings.getAsBoolean("discard_punctuation", true);
            this.outputUnknownUnigrams = settings.getAsBoolean("output_unknown_unigrams", false);
        }

        @Override
        public Tokenizer create() {
            return new KoreanTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY,
                userDictionary, mode, outputUnknownUnigrams, discardPunctuation);
        }
    }

    static final class PartOfSpeechFilterFactory extends AbstractTokenFilterFactory {
        private final Set<POS.Tag> stopTags;

        PartOfSpeechFilterFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            this.stopTags = stopTags(settings);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new KoreanPartOfSpeechStopFilter(input, stopTags);
        }
    }

    static final class SimpleFilterFactory extends AbstractTokenFilterFactory {
        private final java.util.function.UnaryOperator<TokenStream> wrap;

        SimpleFilterFactory(IndexSettings indexSettings, String name, Settings settings,
                            java.util.function.UnaryOperator<TokenStream> wrap) {
            super(indexSettings, name, settings);
            this.wrap = wrap;
        }

        @Override
        public TokenStream create(TokenStream input) {
            return wrap.apply(input);
        }
    }

    static final class NoriAnalyzerProvider extends AbstractIndexAnalyzerProvider<KoreanAnalyzer> {
        private final KoreanAnalyzer analyzer;

        NoriAnalyzerProvider(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            this.analyzer = new KoreanAnalyzer(userDictionary(env, settings), decompoundMode(settings),
                stopTags(settings), settings.getAsBoolean("output_unknown_unigrams", false));
        }

        @Override
        public KoreanAnalyzer get() {
            return analyzer;
        }
    }
}
