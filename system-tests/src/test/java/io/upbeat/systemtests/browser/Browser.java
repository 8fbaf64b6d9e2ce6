package io.upbeat.systemtests.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven through chromedriver, both at fixed paths (see {@link Chromium}) so
 * Selenium Manager never looks for, or downloads, anything. Each browser has a fresh profile in a
 * temporary directory, deleted on {@link #close()}. Screenshots go to {@code
 * target/screenshots/NAME.png}.
 */
public final class Browser implements AutoCloseable {
  /** Desktop viewport of every screenshot unless {@link #phone()} changes it. */
  public static final int WIDTH = 1280;

  public static final int HEIGHT = 900;

  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final ChromeDriver driver;
  private final Path profile;
  private String baseUrl = "";

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** Starts Chromium; {@link Chromium#installed()} must be true. */
  public static Browser start() {
    Path profile;
    try {
      profile = Files.createTempDirectory("upbeat-chromium-");
      Files.createDirectories(SCREENSHOTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(Chromium.binary().toFile());
    // The page's console, so tests can check that no script failed.
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--lang=en-US",
        "--window-size=" + WIDTH + "," + HEIGHT,
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(Chromium.driver().toFile())
            .usingAnyFreePort()
            .withLogFile(Path.of("target", "chromedriver.log").toFile())
            .build();
    ChromeDriver driver;
    try {
      driver = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      deleteQuietly(profile);
      throw e;
    }
    Browser browser = new Browser(driver, profile);
    try {
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
      browser.desktop();
      return browser;
    } catch (RuntimeException e) {
      browser.close();
      throw e;
    }
  }

  /** Where relative paths given to {@link #open} lead, e.g. {@code http://127.0.0.1:8080}. */
  public Browser baseUrl(String url) {
    this.baseUrl = url;
    return this;
  }

  public ChromeDriver driver() {
    return driver;
  }

  /** Opens {@code path} (relative to the base URL, or absolute) and waits for the page load. */
  public void open(String path) {
    driver.get(path.startsWith("http") ? path : baseUrl + path);
  }

  public String path() {
    return java.net.URI.create(driver.getCurrentUrl()).getPath();
  }

  /** The first element matching {@code css}, waiting up to 15 s for it to appear. */
  public WebElement find(String css) {
    return new WebDriverWait(driver, WAIT)
        .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
  }

  public List<WebElement> findAll(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  public boolean exists(String css) {
    return !findAll(css).isEmpty();
  }

  /** Clears the field and types {@code text} into it. */
  public void fill(String css, String text) {
    WebElement field = find(css);
    field.clear();
    field.sendKeys(text);
  }

  /** Clicks the element once it is visible and enabled. */
  public void click(String css) {
    new WebDriverWait(driver, WAIT)
        .until(ExpectedConditions.elementToBeClickable(By.cssSelector(css)))
        .click();
  }

  /** Accepts the {@code confirm()} dialog the last click opened, waiting up to 5 s for it. */
  public void acceptDialog() {
    new WebDriverWait(driver, Duration.ofSeconds(5))
        .until(ExpectedConditions.alertIsPresent())
        .accept();
  }

  public String text(String css) {
    return find(css).getText().trim();
  }

  /**
   * Console messages at level SEVERE (script errors, failed loads: the icon every page declares
   * included) since the last call.
   */
  public List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  /** Emulates a phone's viewport: 390 x 844 CSS pixels at twice the density, with touch. */
  public void phone() {
    viewport(390, 844, 2, true);
  }

  /** The desktop viewport every browser starts with: {@value #WIDTH} x {@value #HEIGHT}. */
  public void desktop() {
    viewport(WIDTH, HEIGHT, 1, false);
  }

  /** A desktop viewport of {@code width} x {@code height} CSS pixels. */
  public void viewport(int width, int height) {
    viewport(width, height, 1, false);
  }

  private void viewport(int width, int height, int scale, boolean mobile) {
    // Exact viewport sizes, whatever room the headless window's frame takes.
    driver.executeCdpCommand(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", scale, "mobile", mobile));
  }

  /** Saves the viewport as {@code target/screenshots/NAME.png} and returns its path. */
  public Path screenshot(String name) {
    Path target = SCREENSHOTS.resolve(name + ".png");
    try {
      Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
      Files.move(shot, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      deleteQuietly(profile);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless.
    }
  }
}
