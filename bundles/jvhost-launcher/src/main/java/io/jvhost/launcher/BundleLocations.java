package io.jvhost.launcher;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns feature bundle locations into files: {@code mvn:group/artifact/version} from the local
 * Maven repository (as Karaf's system repository does), {@code file:} as is.
 */
public final class BundleLocations {
    private final Path repository;

    public BundleLocations(Path repository) {
        this.repository = repository;
    }

    /** The local repository: {@code -Dmaven.repo.local}, else {@code ~/.m2/repository}. */
    public static BundleLocations fromEnvironment() {
        String local = System.getProperty("maven.repo.local");
        return new BundleLocations(local != null ? Path.of(local)
                : Path.of(System.getProperty("user.home"), ".m2", "repository"));
    }

    /** The file for {@code location}; throws naming the location and the path looked at. */
    public Path resolve(String location) {
        Path p;
        if (location.startsWith("mvn:")) {
            String[] parts = location.substring(4).split("/");
            if (parts.length < 3) {
                throw new IllegalArgumentException("bad bundle location '" + location + "': expected mvn:group/artifact/version");
            }
            String type = parts.length > 3 && !parts[3].isEmpty() ? parts[3] : "jar";
            String classifier = parts.length > 4 ? "-" + parts[4] : "";
            p = repository.resolve(parts[0].replace('.', '/')).resolve(parts[1]).resolve(parts[2])
                    .resolve(parts[1] + "-" + parts[2] + classifier + "." + type);
        } else if (location.startsWith("file:")) {
            p = Path.of(location.substring(5));
        } else {
            throw new IllegalArgumentException("bad bundle location '" + location + "': use mvn: or file:");
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("bundle " + location + " not found at " + p
                    + " (build and install jvhost first: ./mvnw install -DskipTests)");
        }
        return p;
    }
}
