package io.upbeat.example;

import java.io.IOException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * Stops the shop when the process that started it dies, however it died: {@code ./upbeat dev
 * --demo} gives it a pipe as standard input and never writes to it, so end-of-file means the
 * launcher is gone. Only with {@code shop.exit-with-parent=true} (or {@code
 * SHOP_EXIT_WITH_PARENT}).
 */
@Component
@ConditionalOnProperty(name = "shop.exit-with-parent", havingValue = "true")
class ExitWithParent implements ApplicationListener<ApplicationStartedEvent> {
  @Override
  public void onApplicationEvent(ApplicationStartedEvent event) {
    Thread.ofPlatform()
        .daemon()
        .name("exit-with-parent")
        .start(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // Nothing is ever written; whatever arrives is ignored.
                }
              } catch (IOException e) {
                // A broken pipe means the same as end-of-file.
              }
              System.exit(SpringApplication.exit(event.getApplicationContext()));
            });
  }
}
