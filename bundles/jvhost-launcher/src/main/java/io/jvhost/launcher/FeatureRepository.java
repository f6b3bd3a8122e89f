package io.jvhost.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Features read from a descriptor in Karaf's features XML shape: {@code <feature name=..>} elements
 * holding {@code <bundle>} locations and nested {@code <feature>} references. {@code ${project.version}}
 * in a location is replaced by jvhost's version.
 */
public final class FeatureRepository {
    private final Map<String, List<String>> bundles = new LinkedHashMap<>();
    private final Map<String, List<String>> includes = new LinkedHashMap<>();
    private final Map<String, String> descriptions = new LinkedHashMap<>();

    /** Reads every {@code *.xml} descriptor in {@code dir}. */
    public static FeatureRepository load(Path dir, String version) throws IOException {
        FeatureRepository repo = new FeatureRepository();
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
        } catch (IOException e) {
            throw new IOException("cannot read features directory " + dir + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                repo.read(in, version, f.toString());
            }
        }
        return repo;
    }

    void read(InputStream in, String version, String source) throws IOException {
        Element root;
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setNamespaceAware(true);
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            root = dbf.newDocumentBuilder().parse(in).getDocumentElement();
        } catch (Exception e) {
            throw new IOException("features descriptor " + source + " is not valid XML: " + e.getMessage(), e);
        }
        for (Element f : children(root, "feature")) {
            String name = f.getAttribute("name");
            List<String> b = new ArrayList<>();
            List<String> inc = new ArrayList<>();
            for (Element c : children(f, null)) {
                String text = c.getTextContent().trim();
                switch (c.getLocalName()) {
                    case "bundle" -> b.add(text.replace("${project.version}", version));
                    case "feature" -> inc.add(text);
                    default -> { }
                }
            }
            bundles.put(name, b);
            includes.put(name, inc);
            descriptions.put(name, f.getAttribute("description"));
        }
    }

    private static List<Element> children(Element parent, String localName) {
        List<Element> out = new ArrayList<>();
        NodeList nl = parent.getChildNodes();
        for (int i = 0; i < nl.getLength(); i++) {
            Node n = nl.item(i);
            if (n instanceof Element e && (localName == null || localName.equals(e.getLocalName()))) {
                out.add(e);
            }
        }
        return out;
    }

    public Set<String> names() {
        return bundles.keySet();
    }

    public String description(String feature) {
        return descriptions.getOrDefault(feature, "");
    }

    /** Bundle locations of {@code feature} and the features it includes, dependencies first, no duplicates. */
    public List<String> resolve(String feature) {
        Set<String> out = new LinkedHashSet<>();
        resolve(feature, out, new LinkedHashSet<>());
        return List.copyOf(out);
    }

    private void resolve(String feature, Set<String> out, Set<String> path) {
        if (!bundles.containsKey(feature)) {
            throw new IllegalArgumentException("unknown feature '" + feature + "'; features: " + names());
        }
        if (!path.add(feature)) {
            throw new IllegalArgumentException("features include each other in a cycle: " + path + " -> " + feature);
        }
        for (String inc : includes.get(feature)) {
            resolve(inc, out, path);
        }
        out.addAll(bundles.get(feature));
        path.remove(feature);
    }
}
