/* A shared object in the plugin folder that is no plugin: it exports no descriptor. */
__attribute__((visibility("default"))) int not_a_plugin(void);

int not_a_plugin(void) {
        return 42;
}
