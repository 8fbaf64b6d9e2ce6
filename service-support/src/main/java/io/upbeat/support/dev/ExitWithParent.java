package io.upbeat.support.dev;

import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stops the service when the process that started it dies, however it died (even SIGKILL), so
 * {@code ./upbeat dev} never leaves services behind. The launcher gives each service a pipe as
 * standard input and never writes to it; end-of-file on it means the launcher is gone.
 *
 * <p>Enabled by {@code upbeat.dev.exit-with-parent=true}, which only the dev launcher sets.
 */
public class ExitWithParent implements ApplicationListener<ApplicationStartedEvent> {
  private static final Logger log = LoggerFactory.getLogger(ExitWithParent.class);

  private final InputStream parentPipe;

  public ExitWithParent(InputStream parentPipe) {
    this.parentPipe = parentPipe;
  }

  @Override
  public void onApplicationEvent(ApplicationStartedEvent event) {
    ConfigurableApplicationContext context = event.getApplicationContext();
    Thread watcher =
        Thread.ofPlatform()
            .daemon()
            .name("exit-with-parent")
            .start(
                () -> {
                  awaitEndOfInput();
                  log.warn("The process that started this service is gone; stopping.");
                  System.exit(SpringApplication.exit(context));
                });
    log.debug("Watching {} for the launcher's exit", watcher.getName());
  }

  private void awaitEndOfInput() {
    byte[] buffer = new byte[256];
    try {
      while (parentPipe.read(buffer) != -1) {
        // The launcher writes nothing; whatever arrives is ignored.
      }
    } catch (IOException e) {
      // A broken pipe means the same as end-of-file.
    }
  }
}
