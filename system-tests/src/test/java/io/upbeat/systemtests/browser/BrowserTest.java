package io.upbeat.systemtests.browser;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that drives a real headless Chromium: its test methods may take a {@link Browser}
 * parameter. Without Chromium the class is skipped with {@link Chromium#MISSING}, except in CI
 * ({@code CI} set), where it fails: CI never skips the browser tests silently. See {@link
 * BrowserExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("browser")
@ExtendWith(BrowserExtension.class)
public @interface BrowserTest {}
