package org.agentplatform.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.stream.Stream;

import org.agentplatform.architecture.violation.AccountsController;
import org.agentplatform.architecture.violation.KafkaAwareAggregate;
import org.agentplatform.audit.cdc.violation.ChangeSource;
import org.agentplatform.audit.log.violation.LogThatReadsTheSource;
import org.agentplatform.schema.violation.SpringAwareMessage;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The fences the module graph cannot show, checked on every module's production classes (this module depends on
 * all of them). Each rule is also run on a deliberate violation, so a rule that matches nothing cannot pass.
 */
class ArchitectureTest {

    /** From the class folders of an IDE or {@code test}, or the modules' jars in {@code verify}. */
    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.agentplatform");

    /** The domain model of each worker: the aggregates and the values their rules return. */
    private static final Set<String> DOMAIN_MODEL = Set.of(
            "org.agentplatform.ledger.karma.Ledger", "org.agentplatform.ledger.karma.Account",
            "org.agentplatform.ledger.karma.PendingTransfer", "org.agentplatform.ledger.karma.Posting",
            "org.agentplatform.ledger.karma.ClaimBook", "org.agentplatform.ledger.karma.Claim",
            "org.agentplatform.ledger.karma.ParkedResolution", "org.agentplatform.ledger.karma.ParkedResolutions",
            "org.agentplatform.ledger.karma.BatchLocks", "org.agentplatform.jobs.lifecycle.Job",
            "org.agentplatform.jobs.lifecycle.Transition", "org.agentplatform.jobs.lifecycle.Backoff");

    /** Web code reads and writes through the feature's own classes, never with SQL of its own. */
    static final ArchRule WEB_CODE_HAS_NO_SQL = noClasses()
            .that().areAnnotatedWith(org.springframework.web.bind.annotation.RestController.class)
            .or().areAnnotatedWith(org.springframework.stereotype.Controller.class)
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework.jdbc..", "java.sql..")
            .because("controllers hold no SQL: reads live in per-feature query classes");

    /** The message contract is plain Java and Jackson: any producer can use it without Spring. */
    static final ArchRule CONTRACT_IS_FREE_OF_SPRING = noClasses()
            .that().resideInAPackage("org.agentplatform.schema..")
            .should().dependOnClassesThat().resideInAPackage("org.springframework..")
            .because("shared-schema is the message contract, usable without Spring");

    static ArchRule domainIsFreeOfFrameworks(Set<String> model) {
        return noClasses().that(DescribedPredicate.describe("are in the domain model",
                        (JavaClass c) -> model.contains(c.getName())
                                || model.stream().anyMatch(d -> c.getName().startsWith(d + "$"))))
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "java.sql..",
                        "org.apache.kafka..")
                .because("rules live on aggregates, which know nothing of Spring, SQL or Kafka");
    }

    /** The audit worker reads "cdc, then log": the change stream feeds the log, the log knows nothing of it. */
    static final ArchRule AUDIT_LOG_DOES_NOT_KNOW_CDC = noClasses()
            .that().resideInAPackage("org.agentplatform.audit.log..")
            .should().dependOnClassesThat().resideInAPackage("org.agentplatform.audit.cdc..")
            .because("the audit log is fed by audit.changes, whoever writes them");

    /** NullAway checks only @NullMarked code: a package without it would silently leave the check. */
    static final ArchRule PACKAGES_STATE_NULLNESS = classes()
            .should(new ArchCondition<JavaClass>("reside in a @NullMarked package") {
                @Override
                public void check(JavaClass c, ConditionEvents events) {
                    boolean marked = c.getPackage().isAnnotatedWith(NullMarked.class);
                    events.add(new SimpleConditionEvent(c, marked, c.getName() + " is in package "
                            + c.getPackageName() + ", which has no @NullMarked package-info.java"));
                }
            })
            .because("nullness is stated per package and held by NullAway, which skips unmarked code");

    static final ArchRule FEATURES_ARE_FREE_OF_CYCLES = slices().matching("org.agentplatform.(**)")
            .should().beFreeOfCycles()
            .because("a feature package depends on others one way, so that it can be read, and moved, alone");

    @Test
    void theRulesSeeEveryModule() {
        // a rule over classes that were never imported would pass on nothing
        assertThat(Stream.of("org.agentplatform.schema.messaging.Envelope", "org.agentplatform.runtime.CommandConsumers",
                "org.agentplatform.ledger.karma.Ledger", "org.agentplatform.jobs.lifecycle.Job",
                "org.agentplatform.audit.log.AuditLogWriter", "org.agentplatform.ingest.commands.CommandRequest"))
                .allMatch(PRODUCTION::contain);
        assertThat(DOMAIN_MODEL).allMatch(PRODUCTION::contain);
    }

    @Test
    void webCodeHoldsNoSql() {
        WEB_CODE_HAS_NO_SQL.check(PRODUCTION);
    }

    @Test
    void theMessageContractIsFreeOfSpring() {
        CONTRACT_IS_FREE_OF_SPRING.check(PRODUCTION);
    }

    @Test
    void theDomainModelIsFreeOfSpringSqlAndKafka() {
        domainIsFreeOfFrameworks(DOMAIN_MODEL).check(PRODUCTION);
    }

    @Test
    void theAuditLogDoesNotKnowTheChangeStream() {
        AUDIT_LOG_DOES_NOT_KNOW_CDC.check(PRODUCTION);
    }

    @Test
    void everyPackageStatesItsNullness() {
        PACKAGES_STATE_NULLNESS.check(PRODUCTION);
    }

    @Test
    void packagesAreFreeOfCycles() {
        // not the message contract: its vocabulary spans packages on purpose (sealed families in ledger and jobs,
        // registered and routed in messaging), and the module is one unit for every consumer
        FEATURES_ARE_FREE_OF_CYCLES.check(PRODUCTION.that(resideOutsideOfPackage("org.agentplatform.schema..")));
    }

    @Test
    void theRulesCatchDeliberateViolations() {
        assertThatThrownBy(() -> WEB_CODE_HAS_NO_SQL.check(only(AccountsController.class)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(AccountsController.class.getName()).hasMessageContaining("JdbcTemplate");
        assertThatThrownBy(() -> CONTRACT_IS_FREE_OF_SPRING.check(only(SpringAwareMessage.class)))
                .isInstanceOf(AssertionError.class).hasMessageContaining(SpringAwareMessage.class.getName());
        assertThatThrownBy(() -> domainIsFreeOfFrameworks(Set.of(KafkaAwareAggregate.class.getName()))
                .check(only(KafkaAwareAggregate.class)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("org.apache.kafka");
        JavaClasses cycle = new ClassFileImporter().importClasses(LogThatReadsTheSource.class, ChangeSource.class);
        assertThatThrownBy(() -> AUDIT_LOG_DOES_NOT_KNOW_CDC.check(cycle))
                .isInstanceOf(AssertionError.class).hasMessageContaining(LogThatReadsTheSource.class.getName());
        // test code has no package-info.java: a class there is what a new package that forgot it looks like
        assertThatThrownBy(() -> PACKAGES_STATE_NULLNESS.check(only(AccountsController.class)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("has no @NullMarked package-info.java");
        assertThatThrownBy(() -> FEATURES_ARE_FREE_OF_CYCLES.check(cycle))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Cycle detected");
    }

    private static JavaClasses only(Class<?> type) {
        return new ClassFileImporter().importClasses(type);
    }
}
